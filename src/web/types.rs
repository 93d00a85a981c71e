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
export type PipelineName =
  | "text-to-image" | "image-to-image" | "image-to-video" | "upscale" | "audio-to-text"
  | "segment-anything-2" | "llm" | "image-to-text" | "live-video-to-video"
  | "text-to-speech";

/** A media file: sent as a file part of the request. */
export type MediaInput = Blob | File | Uint8Array | ArrayBuffer;

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

/** How jobs the gateway runs asynchronously are polled; durations in milliseconds. */
export interface PollPolicy {
  /** The first poll while a pipeline's durations are unknown (default 2000). */
  firstDelayMs?: number;
  /** The wait after it, growing by `backoff` (default 2000). */
  intervalMs?: number;
  /** default 1.5 */
  backoff?: number;
  /** default 10000 */
  maxIntervalMs?: number;
  /** Never two polls closer than this (default 500). */
  minIntervalMs?: number;
  /** Each wait moves by up to this share, at random (default 0.1). */
  jitter?: number;
  /** Polling stops and the job fails this long after it was accepted (default 1 h). */
  deadlineMs?: number;
  /** "Unknown request id" this many times in a row fails the job (default 3). */
  vanishedAfter?: number;
  /** Once durations are learned: the share of a job's remaining chance of finishing each
   *  wait covers; smaller means more polls and quicker results (default 0.055). */
  slicePerPoll?: number;
}

/** When the graph is queued again after jobs that nodes use complete. */
export interface RequeuePolicy {
  /** default true */
  enabled?: boolean;
  /** At most this many automatic requeues follow one run the user started (default 10). */
  maxInARow?: number;
  /** Completions within this many ms of the first make one requeue (default 300). */
  windowMs?: number;
}

/** What `restore()` resolves with. */
export interface RestoreSummary {
  /** Jobs brought back. */
  restored: number;
  /** Async jobs polled again by their request id. */
  resumed: number;
  /** Jobs whose request the reload cut; `resubmit` sends them again. */
  interrupted: number;
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
  /** The largest media file sent, in bytes (default 10 MiB, the hosted gateway's). */
  maxUploadBytes?: number;
  poll?: PollPolicy;
  /** At most this many requests in flight to the gateway (default 4). */
  maxInFlight?: number;
  /** image-to-video asks the gateway to run it asynchronously and polls (default true). */
  asyncImageToVideo?: boolean;
  /** Saves jobs in the IndexedDB database of this name, so `restore()` brings them back
   *  after a reload. The API key is never saved. Off by default. */
  persist?: string;
  requeue?: RequeuePolicy;
  /** A URL prefix that result files on http(s) URLs are fetched through, the URL
   *  appended encoded: the ComfyUI relay's `/livepeer/media?url=`. */
  mediaProxy?: string;
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
  /** 0 to 100 (gateway default 7.5). */
  guidance_scale?: number;
  negative_prompt?: string;
  safety_check?: boolean;
  seed?: number;
  /** 1 to 1000 (gateway default 50). */
  num_inference_steps?: number;
  /** 1 to 12 (default 1). */
  num_images_per_prompt?: number;
}

/** Parameters of an image-to-image job. */
export interface ImageToImageParams {
  prompt: string;
  image: MediaInput;
  model_id?: string;
  loras?: string;
  /** 0 to 1 (gateway default 0.8). */
  strength?: number;
  guidance_scale?: number;
  image_guidance_scale?: number;
  negative_prompt?: string;
  safety_check?: boolean;
  seed?: number;
  num_inference_steps?: number;
  /** 1 to 12 (default 1). */
  num_images_per_prompt?: number;
}

/** Parameters of an image-to-video job. */
export interface ImageToVideoParams {
  image: MediaInput;
  model_id?: string;
  height?: number;
  width?: number;
  /** 1 to 60 (gateway default 6). */
  fps?: number;
  /** 0 to 255 (gateway default 127). */
  motion_bucket_id?: number;
  /** 0 to 1 (gateway default 0.02). */
  noise_aug_strength?: number;
  safety_check?: boolean;
  seed?: number;
  num_inference_steps?: number;
}

/** Parameters of an upscale job. */
export interface UpscaleParams {
  prompt: string;
  image: MediaInput;
  model_id?: string;
  safety_check?: boolean;
  seed?: number;
  num_inference_steps?: number;
}

/** Parameters of an audio-to-text job. */
export interface AudioToTextParams {
  audio: MediaInput;
  model_id?: string;
  /** Sentence chunks (true, "true", "sentence"), word chunks ("word") or none. */
  return_timestamps?: boolean | "true" | "false" | "sentence" | "word";
}

/** A nested list of numbers, as an array or as its text (`"[[120, 80]]"`). */
export type NumberList = string | number[] | number[][] | number[][][];

/** Parameters of a segment-anything-2 job. */
export interface SegmentAnything2Params {
  image: MediaInput;
  model_id?: string;
  /** N points `[[x, y], …]`. */
  point_coords?: NumberList;
  /** N labels: 1 foreground, 0 background. */
  point_labels?: NumberList;
  /** `[x0, y0, x1, y1]`. */
  box?: NumberList;
  /** A 1×H×W mask from an earlier prediction. */
  mask_input?: NumberList;
  multimask_output?: boolean;
  return_logits?: boolean;
  normalize_coords?: boolean;
}

/** One message of an llm conversation. */
export interface LlmMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** Parameters of an llm job. */
export interface LlmParams {
  messages: LlmMessage[];
  model?: string;
  /** 0 to 2 (gateway default 0.7). */
  temperature?: number;
  max_tokens?: number;
  /** 0 to 1. */
  top_p?: number;
  /** -1 turns it off. */
  top_k?: number;
  /** Tokens arrive as `token` events while the job runs. */
  stream?: boolean;
}

/** Parameters of an image-to-text job. */
export interface ImageToTextParams {
  image: MediaInput;
  prompt?: string;
  model_id?: string;
}

/** Parameters of a live-video-to-video job. */
export interface LiveVideoToVideoParams {
  subscribe_url: string;
  publish_url: string;
  control_url?: string;
  events_url?: string;
  model_id?: string;
  /** The live pipeline's own parameters, passed through as given. */
  params?: Record<string, unknown>;
  gateway_request_id?: string;
  manifest_id?: string;
  stream_id?: string;
}

/** Parameters of a text-to-speech job. */
export interface TextToSpeechParams {
  text: string;
  model_id?: string;
  description?: string;
}

/** Each pipeline's parameters. */
export interface PipelineParams {
  "text-to-image": TextToImageParams;
  "image-to-image": ImageToImageParams;
  "image-to-video": ImageToVideoParams;
  "upscale": UpscaleParams;
  "audio-to-text": AudioToTextParams;
  "segment-anything-2": SegmentAnything2Params;
  "llm": LlmParams;
  "image-to-text": ImageToTextParams;
  "live-video-to-video": LiveVideoToVideoParams;
  "text-to-speech": TextToSpeechParams;
}

/** One generated media item, with its file as fetched when the job completed. */
export interface Media {
  url: string;
  seed: number;
  nsfw: boolean;
  blob: Blob;
}

/** The output of an image pipeline. */
export interface ImageOutput {
  kind: "images";
  images: Media[];
}

/** The output of image-to-video. */
export interface VideoOutput {
  kind: "video";
  videos: Media[];
}

/** The output of text-to-speech. */
export interface AudioOutput {
  kind: "audio";
  audio: { url: string; blob: Blob };
}

/** A timed piece of a transcript, in seconds. */
export interface TextChunk {
  text: string;
  start: number;
  /** null when the model did not say. */
  end: number | null;
}

/** The output of audio-to-text and image-to-text. */
export interface TextOutput {
  kind: "text";
  text: string;
  /** Empty for image-to-text and when no timestamps were asked for. */
  chunks: TextChunk[];
}

/** A dense array in row-major order. */
export interface DenseArray<D extends Float32Array | Uint8Array = Float32Array> {
  shape: number[];
  data: D;
}

/** The output of segment-anything-2, best mask first. */
export interface MasksOutput {
  kind: "masks";
  /** N×H×W: 0/1 bytes for binary masks, float logits otherwise. */
  masks: DenseArray<Float32Array | Uint8Array>;
  /** N scores. */
  scores: DenseArray;
  /** N×h×w low-resolution logits. */
  logits: DenseArray;
}

/** Token counts of an llm answer. */
export interface LlmUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** The output of llm. */
export interface LlmOutput {
  kind: "llm";
  text: string;
  /** "stop", "length", or "" when the gateway did not say. */
  finish_reason: string;
  usage: LlmUsage | null;
  id: string;
  model: string;
}

/** The output of live-video-to-video: where to publish, subscribe and control. */
export interface LiveVideoOutput {
  kind: "live_video";
  subscribe_url: string;
  publish_url: string;
  control_url: string;
  events_url: string;
  request_id: string;
  manifest_id: string;
}

/** Each pipeline's output. */
export interface PipelineOutput {
  "text-to-image": ImageOutput;
  "image-to-image": ImageOutput;
  "image-to-video": VideoOutput;
  "upscale": ImageOutput;
  "audio-to-text": TextOutput;
  "segment-anything-2": MasksOutput;
  "llm": LlmOutput;
  "image-to-text": TextOutput;
  "live-video-to-video": LiveVideoOutput;
  "text-to-speech": AudioOutput;
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
  | "invalid_response" | "http" | "stream" | "vanished" | "media" | "cancelled"
  | "interrupted";

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
  /** The gateway's id of a job it runs asynchronously. */
  requestId?: string;
  error?: JobErrorInfo;
  /** The nodes that use the job. */
  nodes: string[];
}

/** What every event carries. */
interface EventBase {
  jobId: string;
  pipeline: PipelineName;
  /** When it happened, ms since the Unix epoch. */
  at: number;
}

/** One state change of one job. */
export interface StateEvent extends EventBase {
  type: "state";
  /** The state before; null when the job was just registered. */
  from: JobState | null;
  to: JobState;
  attempt: number;
  elapsedMs: number;
  error?: JobErrorInfo;
}

/** An attempt failed and the next one starts at `retryAt`. */
export interface RetryEvent extends EventBase {
  type: "retry";
  /** The attempt that failed. */
  attempt: number;
  retryAt: number;
  error: JobErrorInfo;
}

/** One token of a streamed llm answer. */
export interface TokenEvent extends EventBase {
  type: "token";
  attempt: number;
  /** Counts tokens from 0 within the attempt. */
  index: number;
  text: string;
}

/** The status of a live video stream (every 2 s), until it ends. */
export interface LiveEvent extends EventBase {
  type: "live";
  /** The gateway's status fields, as it sent them. */
  status?: Record<string, unknown>;
  /** True once the stream ended (or watching it failed, with `error`). */
  ended: boolean;
  error?: JobErrorInfo;
}

/** The graph must be queued again, once, for these completed jobs. */
export interface RequeueEvent {
  type: "requeue";
  jobIds: string[];
  at: number;
}

/** What listeners hear. */
export type JobEvent = StateEvent | RetryEvent | TokenEvent | LiveEvent | RequeueEvent;

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
