import assert from "node:assert/strict";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runFile, runFixture } from "./_child_process.ts";
import { isBun, isDeno } from "./_helpers.ts";

// Two copies of the library in one program (two dependencies' versions, the
// package from both JSR and npm, or `bun --hot`, which evaluates the whole
// program again on each change in the same process) each listen for SIGTERM,
// SIGINT and uncaught exceptions. Each took the other's listener for the
// application's, which decides: so neither sent the signal again nor threw
// the error again, and Ctrl+C left the process running, and an uncaught
// exception was swallowed without a word, on all three runtimes. Each copy
// now knows the others' listeners for what they are: every copy flushes,
// and the last one to finish ends the process as the runtime would have.

// On Node the suite runs compiled inside .tmp/npm-test/, against npm/.
const here = fileURLToPath(import.meta.url);
const repository = here.includes("/.tmp/npm-test/")
  ? here.slice(0, here.indexOf("/.tmp/npm-test/"))
  : fileURLToPath(new URL("..", import.meta.url));

let dir: string;
let second: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "spans-second-copy-"));
  if (isDeno || isBun) {
    // The sources: the entry points and src/.
    for (const name of await readdir(repository)) {
      if (name.endsWith(".ts")) await cp(join(repository, name), join(dir, name));
    }
    await cp(join(repository, "src"), join(dir, "src"), { recursive: true });
    second = join(dir, "mod.ts");
  } else {
    await cp(join(repository, "npm"), dir, { recursive: true });
    second = join(dir, "mod.js");
  }
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EXPORTED_BOTH = [/^exported a 1$/m, /^exported b 1$/m];

describe("two copies of the library in one program", () => {
  for (const mode of ["crash", "rejection"]) {
    test(
      `an uncaught ${
        mode === "crash" ? "exception" : "rejection"
      } is flushed by both, then reported once`,
      {
        timeout: 120_000,
      },
      async () => {
        const ran = await runFixture("two_copies", [mode, second], { timeoutMs: 30_000 });
        const output = `${ran.stdout}\n${ran.stderr}`;
        assert.equal(ran.code, 1, output);
        for (const exported of EXPORTED_BOTH) assert.match(ran.stdout, exported, output);
        // Reported once: one line names it, besides the code frame's source line.
        const reports = ran.stderr.split("\n")
          .filter((line) => line.includes("the root cause") && !line.includes("new Error("));
        assert.equal(reports.length, 1, output);
      },
    );
  }

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    test(`${signal} is flushed by both, then ends the process`, {
      timeout: 120_000,
    }, async () => {
      const ran = await runFixture("two_copies", ["signal", second], {
        timeoutMs: 30_000,
        onStdout(stdout, kill) {
          if (stdout.includes("ready\n") && !stdout.includes("exported")) kill(signal);
        },
      });
      const output = `${ran.stdout}\n${ran.stderr}`;
      for (const exported of EXPORTED_BOTH) assert.match(ran.stdout, exported, output);
      // Dead of the signal, as without the library (Deno, Bun and Node all
      // raise it again; a runtime that cannot exits with 128 + its number).
      assert.ok(
        ran.signal === signal || ran.code === (signal === "SIGINT" ? 130 : 143),
        `code ${ran.code}, signal ${ran.signal}\n${output}`,
      );
    });
  }
});

// In a bundle (esbuild, `bun build`), every module's `import.meta.url` is the
// bundle's own: two versions of the library bundled into one file were taken
// for one copy evaluated again (as `bun --hot` does), and neither said a word.
describe("two versions of the library bundled into one file", () => {
  test("the second copy says so, once, naming both versions", { timeout: 120_000 }, async () => {
    const bundleDir = await mkdtemp(join(tmpdir(), "spans-bundled-copies-"));
    const esbuild = await import("esbuild");
    try {
      // The sources again, as version 0.0.9.
      const other = join(bundleDir, "other");
      for (const name of await readdir(repository)) {
        if (name.endsWith(".ts")) await cp(join(repository, name), join(other, name));
      }
      await cp(join(repository, "src"), join(other, "src"), { recursive: true });
      const versionFile = join(other, "src", "platform", "_version.ts");
      const source = await readFile(versionFile, "utf8");
      const changed = source.replace(/VERSION(: string)? = "[^"]*"/, 'VERSION$1 = "0.0.9"');
      assert.notEqual(changed, source, "the version line was found");
      await writeFile(versionFile, changed);
      const entry = join(bundleDir, "entry.ts");
      await writeFile(
        entry,
        [
          `import * as one from ${JSON.stringify(join(repository, "mod.ts"))};`,
          `import * as two from ${JSON.stringify(join(other, "mod.ts"))};`,
          `new one.Tracer().startSpan("one").end();`,
          `new two.Tracer().startSpan("two").end();`,
          `console.log("loaded");`,
        ].join("\n"),
      );
      const bundle = join(bundleDir, "bundle.mjs");
      await esbuild.build({
        entryPoints: [entry],
        bundle: true,
        format: "esm",
        platform: "node",
        target: "es2022",
        outfile: bundle,
        logLevel: "silent",
      });
      const ran = await runFile(bundle, [], { timeoutMs: 60_000 });
      assert.equal(ran.code, 0, ran.stderr);
      assert.match(ran.stdout, /loaded/);
      const warnings = ran.stderr.match(/is loaded 2 times in this program/g) ?? [];
      assert.equal(warnings.length, 1, ran.stderr);
      assert.match(ran.stderr, /versions [^)]*0\.0\.9/, ran.stderr);
    } finally {
      await esbuild.stop();
      await rm(bundleDir, { recursive: true, force: true });
    }
  });
});
