// Internal: binding an EventEmitter's listeners to a context, as
// OpenTelemetry's AbstractAsyncHooksContextManager does: listeners added
// from then on run in the context, whichever async context emits the event.
// Node's and Bun's node:http emit a request's `data` and `end`, and a
// response's `finish` and `close`, from the connection's context, not the
// request listener's. Found by its methods: the core imports no node: module.

/** Node's EventEmitter, by the methods this reads. */
export interface Emitter {
  on(event: unknown, listener: unknown): unknown;
  removeListener(event: unknown, listener: unknown): unknown;
  emit(event: unknown, ...args: unknown[]): unknown;
  [method: string]: unknown;
}

/** Whether `target` has an EventEmitter's methods; `false` for one that cannot be read. */
export function isEventEmitter(target: unknown): target is Emitter {
  try {
    const t = target as Partial<Emitter> | null;
    return typeof t === "object" && t !== null && typeof t.on === "function" &&
      typeof t.addListener === "function" && typeof t.removeListener === "function" &&
      typeof t.emit === "function";
  } catch {
    return false;
  }
}

// How many listeners `event` has, where the emitter can say.
function listenerCount(ee: Emitter, event: unknown): number | undefined {
  const count = typeof ee.listenerCount === "function" ? ee.listenerCount(event) : undefined;
  return typeof count === "number" ? count : undefined;
}

const ADD_LISTENER = ["addListener", "on", "once", "prependListener", "prependOnceListener"];
const REMOVE_LISTENER = ["removeListener", "off"];

type Wrap = (listener: (...args: unknown[]) => unknown) => unknown;

/** What one `wrap` added for a listener given. */
interface Added {
  readonly wrap: Wrap;
  readonly bound: unknown;
}

/** A bound emitter: the `wrap` listeners get now, and per event, what each listener given was added as. */
interface Binding {
  wrap: Wrap;
  readonly events: Map<unknown, WeakMap<object, Added[]>>;
}

const patched = new WeakMap<object, Binding>();
const ADD_ONCE = ["once", "prependOnceListener"];
// The emitter whose patched `once` runs, until its first add: Node's `once`
// adds its own wrapper through `on`, which must not be wrapped again (its
// removal looks for it). Any other add meanwhile (a newListener handler's)
// is wrapped as usual.
let addingOnce: unknown;

/** How many events of a bound emitter have wrappers kept; 0 for one not bound. For its tests. */
export function boundEventCount(ee: object): number {
  return patched.get(ee)?.events.size ?? 0;
}

/**
 * Patches `ee` so that each listener added from now on is added as
 * `wrap(listener)` (made once per listener and `wrap`), and removing a
 * listener removes what was added for it, the newest first. An emitter is
 * patched once, and the first `wrap` stays, whoever binds it later
 * (OpenTelemetry's instrumentation through the bridge's context manager, as
 * the SDK's managers keep the first binding), unless `replace` is set: this
 * library's node:http listener takes the listeners added from then on into
 * its server span, which is the child of the span of an instrumentation that
 * bound the emitter before it (instrumentation-http binds `req` and `res`).
 *
 * @param ee The emitter (see {@linkcode isEventEmitter}).
 * @param wrap Makes the listener to add for a listener given.
 * @param replace Whether `wrap` replaces the one of an earlier binding.
 */
export function bindEmitter(ee: Emitter, wrap: Wrap, replace = false): void {
  const earlier = patched.get(ee);
  if (earlier !== undefined) {
    if (replace) earlier.wrap = wrap;
    return;
  }
  const binding: Binding = { wrap, events: new Map() };
  const map = binding.events;
  patched.set(ee, binding);
  for (const name of ADD_LISTENER) {
    const original = ee[name];
    if (typeof original !== "function") continue;
    const once = ADD_ONCE.includes(name);
    ee[name] = function (this: unknown, event: unknown, listener: unknown, ...rest: unknown[]) {
      if (addingOnce === this) {
        addingOnce = undefined;
        return original.call(this, event, listener, ...rest);
      }
      if (typeof listener !== "function") return original.call(this, event, listener, ...rest);
      let listeners = map.get(event);
      if (listeners === undefined) map.set(event, listeners = new WeakMap());
      let added = listeners.get(listener);
      if (added === undefined) listeners.set(listener, added = []);
      // One wrapper per listener and wrap: added twice, it is there twice,
      // and each removeListener takes one off, as Node's contract says.
      const current = binding.wrap;
      let bound = added.find((a) => a.wrap === current)?.bound;
      if (bound === undefined) {
        bound = current(listener as (...args: unknown[]) => unknown);
        added.push({ wrap: current, bound });
      }
      if (!once) return original.call(this, event, bound, ...rest);
      const outer = addingOnce;
      addingOnce = this;
      try {
        return original.call(this, event, bound, ...rest);
      } finally {
        addingOnce = outer;
      }
    };
  }
  for (const name of REMOVE_LISTENER) {
    const original = ee[name];
    if (typeof original !== "function") continue;
    ee[name] = function (this: Emitter, event: unknown, listener: unknown, ...rest: unknown[]) {
      const listeners = map.get(event);
      const added = typeof listener === "function" ? listeners?.get(listener) : undefined;
      let result: unknown;
      if (added === undefined) result = original.call(this, event, listener, ...rest);
      else {
        // The newest binding's wrapper first. The listener may also be there
        // as given, added before the emitter was bound: when no wrapper came
        // off, it does.
        const count = listenerCount(this, event);
        let removed = false;
        for (let i = added.length - 1; i >= 0 && !removed; i--) {
          result = original.call(this, event, added[i].bound, ...rest);
          removed = count === undefined || listenerCount(this, event) !== count;
        }
        if (!removed) result = original.call(this, event, listener, ...rest);
      }
      // An event with no listener left keeps no entry (a `once` listener
      // comes off through here too): an emitter whose event names are made
      // per call (an RPC client's `response:${id}`) would gather one each.
      if (listeners !== undefined && listenerCount(this, event) === 0) map.delete(event);
      return result;
    };
  }
  const removeAll = ee.removeAllListeners;
  if (typeof removeAll === "function") {
    ee.removeAllListeners = function (this: unknown, ...args: unknown[]) {
      if (args.length === 0) map.clear();
      else map.delete(args[0]);
      return removeAll.apply(this, args);
    };
  }
}
