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

// Per bound emitter: event name to (listener given, listener added).
const patched = new WeakMap<object, Map<unknown, WeakMap<object, unknown>>>();
const ADD_ONCE = ["once", "prependOnceListener"];
// The emitter whose patched `once` runs, until its first add: Node's `once`
// adds its own wrapper through `on`, which must not be wrapped again (its
// removal looks for it). Any other add meanwhile (a newListener handler's)
// is wrapped as usual.
let addingOnce: unknown;

/** How many events of a bound emitter have wrappers kept; 0 for one not bound. For its tests. */
export function boundEventCount(ee: object): number {
  return patched.get(ee)?.size ?? 0;
}

/**
 * Patches `ee` so that each listener added from now on is added as
 * `wrap(listener)` (made once per listener), and removing a listener removes
 * what was added for it. An emitter is patched once: the first `wrap` stays,
 * whoever binds it (this library's node:http listener, or OpenTelemetry's
 * instrumentation through the bridge's context manager).
 *
 * @param ee The emitter (see {@linkcode isEventEmitter}).
 * @param wrap Makes the listener to add for a listener given.
 */
export function bindEmitter(
  ee: Emitter,
  wrap: (listener: (...args: unknown[]) => unknown) => unknown,
): void {
  if (patched.has(ee)) return;
  const map = new Map<unknown, WeakMap<object, unknown>>();
  patched.set(ee, map);
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
      // One wrapper per listener: added twice, it is there twice, and each
      // removeListener takes one off, as Node's contract says.
      let bound = listeners.get(listener);
      if (bound === undefined) {
        listeners.set(listener, bound = wrap(listener as (...args: unknown[]) => unknown));
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
      const bound = typeof listener === "function" ? listeners?.get(listener) : undefined;
      let result: unknown;
      if (bound === undefined) result = original.call(this, event, listener, ...rest);
      else {
        // The listener may also be there as given, added before the emitter
        // was bound: when no wrapper came off, it does.
        const count = listenerCount(this, event);
        result = original.call(this, event, bound, ...rest);
        if (count !== undefined && listenerCount(this, event) === count) {
          result = original.call(this, event, listener, ...rest);
        }
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
