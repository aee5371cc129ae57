// Checks that the JSR manifest (deno.json) and the built npm manifest
// (npm/package.json) offer the same entry points, each pointing at files that
// are really there: a stale or broken build fails here, before publishing.
//
// Run after `npm run build`: `node scripts/check_exports.mjs`.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { entryPoints, fail, npmDir, readJson } from "./_npm_layout.mjs";

if (!existsSync(join(npmDir, "package.json"))) {
  fail("npm/package.json is missing: run `npm run build` first");
}
const npmExports = readJson("npm/package.json").exports ?? {};
const entries = entryPoints();
const problems = [];

const denoKeys = entries.map((e) => e.subpath).sort();
const npmKeys = Object.keys(npmExports).sort();
for (const key of denoKeys) {
  if (!npmKeys.includes(key)) problems.push(`"${key}" is in deno.json but not in npm/package.json`);
}
for (const key of npmKeys) {
  if (!denoKeys.includes(key)) {
    problems.push(`"${key}" is in npm/package.json but not in deno.json`);
  }
}

for (const { subpath, source, js, dts } of entries) {
  const target = npmExports[subpath];
  if (target === undefined) continue;
  // An entry whose graph has a top-level await has a copy for require()
  // (scripts/build_npm.mjs), between the two, which Node, Bun and Deno also
  // import: one copy whether imported or required.
  const requireCopy = `./${js.slice(2).replace(/\.js$/, ".require.js")}`;
  const expected = {
    types: `./${dts.slice(2)}`,
    ...(existsSync(join(npmDir, requireCopy)) ? { node: requireCopy, require: requireCopy } : {}),
    default: `./${js.slice(2)}`,
  };
  // Order matters: resolvers take the first condition that matches, and
  // "types" must come before "default" or TypeScript never sees it.
  if (JSON.stringify(target) !== JSON.stringify(expected)) {
    problems.push(
      `"${subpath}" (${source}) should be ${JSON.stringify(expected)}, got ${
        JSON.stringify(target)
      }`,
    );
    continue;
  }
  for (const file of Object.values(expected)) {
    if (!existsSync(join(npmDir, file))) {
      problems.push(`"${subpath}": npm/${file.slice(2)} is missing`);
    }
  }
}

if (problems.length > 0) {
  fail(`deno.json and npm/package.json exports disagree:\n  ${problems.join("\n  ")}`);
}
console.log(`exports agree: ${denoKeys.join(" ")}`);
