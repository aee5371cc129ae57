// Internal: the OpenTelemetry trace SDK (@opentelemetry/sdk-trace-base),
// loaded when this entry is and only if it is installed (_sdk_import.ts, or
// _sdk_require.ts in the npm package's copy for require()). Everything else
// in this entry needs @opentelemetry/api alone; the SDK's processors and its
// provider are what the seed's wrappers and addSpanProcessor build on.

import type {
  OtelBufferConfig,
  OtelReadableSpan,
  OtelSpanExporter,
  OtelSpanProcessor,
} from "./_sdk_types.ts";
import { sdk } from "./_sdk_import.ts";

/** The SDK's processors, as this entry's wrappers subclass them. */
export interface SdkProcessor extends OtelSpanProcessor {
  onStart(span: unknown, parentContext?: unknown): void;
  onEnd(span: OtelReadableSpan): void;
}

/** A processor class of the SDK. */
export type SdkProcessorClass<C = never> = new (
  exporter: OtelSpanExporter,
  config?: C,
) => SdkProcessor;

/** The SDK's `BasicTracerProvider`, as addSpanProcessor uses it. */
export interface SdkTracerProvider {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** The parts of @opentelemetry/sdk-trace-base this entry uses. */
export interface TraceSdk {
  SimpleSpanProcessor: SdkProcessorClass;
  BatchSpanProcessor: SdkProcessorClass<OtelBufferConfig>;
  BasicTracerProvider: new (config: { spanProcessors: OtelSpanProcessor[] }) => SdkTracerProvider;
  /** The processor that does nothing; only its (empty) onStart is read. */
  NoopSpanProcessor?: new () => OtelSpanProcessor;
}

// The SDK's BatchSpanProcessor's own defaults, for the settings it reads
// from OTEL_BSP_MAX_QUEUE_SIZE and OTEL_BSP_EXPORT_TIMEOUT itself. This
// entry's BatchSpanProcessor gives them where the runtime would not let the
// SDK read those variables, so a denied variable reads as an unset one. They
// are the SDK's, not this library's (src/export/_batch_defaults.ts): the
// core's queue holds 4096 by default, since its spans take a third of the
// SDK's memory; these follow the SDK.

/** The SDK batch processor's `maxQueueSize` when none is given or set. */
export const SDK_MAX_QUEUE_SIZE = 2048;
/** The SDK batch processor's `exportTimeoutMillis` when none is given or set. */
export const SDK_EXPORT_TIMEOUT_MS = 30000;

/** The package to install for the SDK's processors. */
export const SDK_PACKAGE = "@opentelemetry/sdk-trace-base";

/** The SDK, or `undefined` when it is not installed. */
export { sdk };

/** The error for using a part of this entry that needs the SDK without it. */
export function sdkMissing(action: string): TypeError {
  return new TypeError(`Cannot ${action}: install ${SDK_PACKAGE}`);
}

/**
 * The SDK's processor class, or, without the SDK, a class whose
 * constructor throws {@linkcode sdkMissing}, so the subclasses of this entry
 * exist (and can be imported) either way.
 */
export function sdkProcessorClass<C>(
  pick: (sdk: TraceSdk) => SdkProcessorClass<C>,
  name: string,
): SdkProcessorClass<C> {
  if (sdk !== undefined) return pick(sdk);
  return class {
    constructor() {
      throw sdkMissing(`create ${name}`);
    }
  } as unknown as SdkProcessorClass<C>;
}
