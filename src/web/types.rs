//! The TypeScript declarations of the public API: the shapes JS passes in and gets back.
//! They describe exactly what the Rust side reads and writes; no `any` anywhere.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Where a job stands. */
export type JobState =
  | "queued" | "submitting" | "running" | "completed" | "delivered"
  | "failed" | "cancelled" | "interrupted";

/** The pipelines this service runs. */
export type PipelineName = "text-to-image";

/** How requests are retried; every duration is in milliseconds. */
export interface RetryPolicy {
  /** The backoff before the first retry is drawn from 0 up to this (default 1000). */
  baseDelayMs?: number;
  /** No computed backoff is longer than this (default 30000). */
  maxDelayMs?: number;
  /** Retries for 408, 5xx, network errors and attempt timeouts (default 3). */
  maxRetries?: number;
  /** Retries for 429 answers (default 8). */
  maxRateLimitRetries?: number;
  /** A longer Retry-After is shortened to this (default 60000). */
  retryAfterCapMs?: number;
  /** One attempt is aborted after this long (default 180000). */
  attemptTimeoutMs?: number;
  /** The whole job ends after this long (default 600000). */
  deadlineMs?: number;
}

/** What `new JobService(config)` takes. */
export interface ServiceConfig {
  /** The gateway: an http(s) URL, or a path on the page's own server (a relay). */
  gatewayUrl: string;
  /** Direct mode only: the key sent as `Authorization: Bearer` to the gateway. */
  apiKey?: string;
  retry?: RetryPolicy;
  /** Finished jobs no node uses are removed after this long (default 1 hour). */
  maxAgeMs?: number;
  /** How often that sweep runs (default 60000; 0 turns it off). */
  sweepIntervalMs?: number;
  /** One console line per state change. */
  debug?: boolean;
  /** Seeds the retry jitter and the job ids, for repeatable tests. */
  seed?: number;
}

/** Parameters of a text-to-image job; the names are the gateway's own. */
export interface TextToImageParams {
  prompt: string;
  model_id?: string;
  loras?: string;
  /** 1 to 4096 pixels (gateway default 576). */
  height?: number;
  /** 1 to 4096 pixels (gateway default 1024). */
  width?: number;
  guidance_scale?: number;
  negative_prompt?: string;
  safety_check?: boolean;
  seed?: number;
  num_inference_steps?: number;
  /** 1 to 12 (default 1). */
  num_images_per_prompt?: number;
}

/** Each pipeline's parameters. */
export interface PipelineParams {
  "text-to-image": TextToImageParams;
}

/** One generated media item. */
export interface Media {
  url: string;
  seed: number;
  nsfw: boolean;
}

/** The output of an image pipeline. */
export interface ImageOutput {
  kind: "images";
  images: Media[];
}

/** Each pipeline's output. */
export interface PipelineOutput {
  "text-to-image": ImageOutput;
}

/** Any job's output. */
export type JobOutput = PipelineOutput[PipelineName];

/** What a sync `run` resolves with. */
export interface JobResult<P extends PipelineName = PipelineName> {
  jobId: string;
  output: PipelineOutput[P];
}

/** The kinds of `LivepeerError`. */
export type ErrorKind =
  | "invalid_input" | "bad_request" | "unauthorized" | "not_found" | "validation"
  | "rate_limited" | "gateway" | "network" | "timeout" | "deadline"
  | "invalid_response" | "http" | "cancelled" | "interrupted";

/** Why a job failed, as statuses and events carry it. */
export interface JobErrorInfo {
  kind: ErrorKind;
  /** A sentence for the user. */
  message: string;
  /** The HTTP status of the last answer, if any. */
  status?: number;
  /** The parameter or response field at fault, e.g. `width` or `images[0].url`. */
  field?: string;
}

/**
 * What the service throws and rejects with: an `Error` named "LivepeerError" that
 * also carries `kind`, and `status`, `field` and `jobId` when known.
 */
export interface LivepeerError extends Error {
  name: "LivepeerError";
  kind: ErrorKind;
  status?: number;
  field?: string;
  jobId?: string;
}

/** A job's status. Times are ms since the Unix epoch. */
export interface JobStatus {
  jobId: string;
  pipeline: PipelineName;
  state: JobState;
  /** Requests started so far (1 for the first attempt). */
  attempt: number;
  createdAt: number;
  updatedAt: number;
  /** From registration to now, or to the end once the job has ended. */
  elapsedMs: number;
  /** When the next attempt starts, while the job waits between attempts. */
  retryAt?: number;
  error?: JobErrorInfo;
  /** The nodes that use the job. */
  nodes: string[];
}

/** One state change of one job. */
export interface JobEvent {
  jobId: string;
  pipeline: PipelineName;
  /** The state before; null when the job was just registered. */
  from: JobState | null;
  to: JobState;
  attempt: number;
  elapsedMs: number;
  /** When the change happened, ms since the Unix epoch. */
  at: number;
  error?: JobErrorInfo;
}

/** Options of `run` and `submit`. */
export interface SubmitOptions {
  /** The node the job is for (ComfyUI's numeric ids are accepted). */
  nodeId?: string | number;
}

export interface JobService {
  /**
   * Runs a job and resolves once it completes; the output then counts as delivered.
   * Rejects with a LivepeerError on bad input (nothing is sent), failure or cancel.
   */
  run<P extends PipelineName>(
    pipeline: P, params: PipelineParams[P], options?: SubmitOptions,
  ): Promise<JobResult<P>>;
  /**
   * Starts a job in the background and returns its id at once. Throws a
   * LivepeerError on bad input; nothing is sent then.
   */
  submit<P extends PipelineName>(
    pipeline: P, params: PipelineParams[P], options?: SubmitOptions,
  ): string;
}
"#;
