// Internal: the OpenTelemetry SDK's shapes this entry reads and writes,
// declared here so that this entry's declarations name only
// @opentelemetry/api. A user with the API alone type-checks against them;
// a user with the SDK passes its objects, which have these shapes
// (SDK 2.x: sdk-trace-base, resources, core).

import type {
  Attributes,
  AttributeValue,
  Context,
  HrTime,
  Link,
  SpanContext,
  SpanKind,
  SpanStatus,
} from "@opentelemetry/api";

/** `@opentelemetry/resources`' `Resource`: what a span's `resource` holds. */
export interface OtelResource {
  /** Whether some attributes are still being detected. */
  readonly asyncAttributesPending?: boolean;
  /** The attributes detected so far. */
  readonly attributes: Attributes;
  /** The schema the attribute names follow. */
  readonly schemaUrl?: string;
  /** Resolves when every attribute is known. */
  waitForAsyncAttributes?(): Promise<void>;
  /** This resource with `other`'s attributes on top. */
  merge(other: OtelResource | null): OtelResource;
  /** The attributes as [key, value or promise] pairs. */
  getRawAttributes(): [string, AttributeValue | undefined | Promise<AttributeValue | undefined>][];
}

/** The SDK's `IdGenerator` (sdk-trace-base). */
export interface OtelIdGenerator {
  /** Returns a trace id: 32 lowercase hex characters. */
  generateTraceId(): string;
  /** Returns a span id: 16 lowercase hex characters. */
  generateSpanId(): string;
}

/** `@opentelemetry/core`'s `InstrumentationScope`. */
export interface OtelInstrumentationScope {
  /** The instrumentation library's name. */
  readonly name: string;
  /** Its version. */
  readonly version?: string;
  /** The schema its attribute names follow. */
  readonly schemaUrl?: string;
}

/** The SDK's `TimedEvent`: one span event. */
export interface OtelTimedEvent {
  /** When it happened. */
  time: HrTime;
  /** Its name. */
  name: string;
  /** Its attributes. */
  attributes?: Attributes;
  /** How many attributes were dropped. */
  droppedAttributesCount?: number;
}

/** The SDK's `ReadableSpan`: the ended span every OpenTelemetry exporter reads. */
export interface OtelReadableSpan {
  /** The span's name. */
  readonly name: string;
  /** Its kind. */
  readonly kind: SpanKind;
  /** Its ids and flags. */
  readonly spanContext: () => SpanContext;
  /** Its parent's ids and flags, if it has a parent. */
  readonly parentSpanContext?: SpanContext;
  /** When it started. */
  readonly startTime: HrTime;
  /** When it ended. */
  readonly endTime: HrTime;
  /** Its status. */
  readonly status: SpanStatus;
  /** Its attributes. */
  readonly attributes: Attributes;
  /** Its links. */
  readonly links: Link[];
  /** Its events. */
  readonly events: OtelTimedEvent[];
  /** `endTime - startTime`. */
  readonly duration: HrTime;
  /** Whether it has ended. */
  readonly ended: boolean;
  /** The resource that made it. */
  readonly resource: OtelResource;
  /** The instrumentation scope that made it. */
  readonly instrumentationScope: OtelInstrumentationScope;
  /** How many attributes were dropped. */
  readonly droppedAttributesCount: number;
  /** How many events were dropped. */
  readonly droppedEventsCount: number;
  /** How many links were dropped. */
  readonly droppedLinksCount: number;
}

/** `@opentelemetry/core`'s `ExportResult`: `code` 0 is success, 1 failure. */
export interface OtelExportResult {
  /** 0 (`ExportResultCode.SUCCESS`) or 1 (`ExportResultCode.FAILED`). */
  code: number;
  /** Why it failed. */
  error?: Error;
  /**
   * Not OpenTelemetry's: of a successful export, how many spans were not
   * exported (left out as unreadable by `toOtelExporter`, or rejected by the
   * backend). `fromOtelExporter` counts them as failed; the SDK ignores it.
   */
  rejected?: number;
}

/** `ExportResultCode.SUCCESS` of `@opentelemetry/core`. */
export const EXPORT_SUCCESS = 0;
/** `ExportResultCode.FAILED` of `@opentelemetry/core`. */
export const EXPORT_FAILED = 1;

/** The SDK's `SpanExporter`: callback-style `export`. */
export interface OtelSpanExporter {
  /** Exports a batch and calls `resultCallback` once with the outcome. */
  export(spans: OtelReadableSpan[], resultCallback: (result: OtelExportResult) => void): void;
  /** Stops the exporter. */
  shutdown(): Promise<void>;
  /** Sends what it holds. */
  forceFlush?(): Promise<void>;
}

/** The SDK's `SpanProcessor`. */
export interface OtelSpanProcessor {
  /** Sends what it holds. */
  forceFlush(): Promise<void>;
  /**
   * Called as a span starts, with the SDK's own span (on this entry's
   * TracerProvider, one of this library's spans that reads and writes as
   * the SDK's does) and the context it was started in.
   */
  onStart(span: never, parentContext: Context): void;
  /**
   * SDK 2's OnEnding: called as a span ends, before any onEnd, with the span
   * onStart got, still writable.
   */
  onEnding?(span: never): void;
  /** Called as a span ends. */
  onEnd(span: OtelReadableSpan): void;
  /** Stops the processor. */
  shutdown(): Promise<void>;
}

/** The SDK's `BufferConfig`: the batch processor's settings. */
export interface OtelBufferConfig {
  /** Spans per export. Default here: 100 (the SDK's is 512). */
  maxExportBatchSize?: number;
  /** The longest a span waits for a batch to fill, in ms. Default: 5000. */
  scheduledDelayMillis?: number;
  /** How long an export may run, in ms. Default: 30000. */
  exportTimeoutMillis?: number;
  /** Spans waiting for export before new ones are dropped. Default: 2048. */
  maxQueueSize?: number;
}
