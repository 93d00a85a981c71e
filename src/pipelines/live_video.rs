//! live-video-to-video: the request that starts a live stream and the URLs the gateway
//! answers with. The pipeline's free-form `params` object travels beside these fields;
//! the browser layer passes it through as given.

use super::check::not_blank;
use crate::error::JobError;
use crate::value::{self, Read, Value};

/// Parameters of a live-video-to-video job.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveVideoParams {
    /// Where the gateway reads the incoming stream from.
    pub subscribe_url: String,
    /// Where the gateway publishes the processed stream.
    pub publish_url: String,
    /// Where parameter updates are sent (Trickle).
    pub control_url: Option<String>,
    /// Where status and log events are published (Trickle).
    pub events_url: Option<String>,
    /// The live pipeline to run (not a Hugging Face model, despite the name).
    pub model_id: String,
    /// The gateway request id, for logs.
    pub gateway_request_id: Option<String>,
    /// The orchestrator's manifest id, for logs.
    pub manifest_id: Option<String>,
    /// The stream id, for logs.
    pub stream_id: Option<String>,
}

impl LiveVideoParams {
    /// Both stream URLs must be given.
    pub fn validate(&self) -> Result<(), JobError> {
        not_blank("subscribe_url", &self.subscribe_url)?;
        not_blank("publish_url", &self.publish_url)
    }
}

/// The result of live-video-to-video: where to publish, subscribe, control and listen.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveVideoOutput {
    /// Where the gateway reads the incoming stream.
    pub subscribe_url: String,
    /// Where the processed stream is published.
    pub publish_url: String,
    /// Where to send parameter updates.
    pub control_url: String,
    /// Where status and log events are published.
    pub events_url: String,
    /// The id the gateway gave the request.
    pub request_id: String,
    /// The orchestrator's manifest id.
    pub manifest_id: String,
}

impl LiveVideoParams {
    /// The fields, by their gateway names (the free-form `params` travels beside them).
    pub const FIELDS: &'static [&'static str] = &[
        "subscribe_url",
        "publish_url",
        "control_url",
        "events_url",
        "model_id",
        "gateway_request_id",
        "manifest_id",
        "stream_id",
    ];
}

impl Read for LiveVideoParams {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(LiveVideoParams {
            subscribe_url: fields.req("subscribe_url"),
            publish_url: fields.req("publish_url"),
            control_url: fields.opt("control_url"),
            events_url: fields.opt("events_url"),
            model_id: fields.or_default("model_id"),
            gateway_request_id: fields.opt("gateway_request_id"),
            manifest_id: fields.opt("manifest_id"),
            stream_id: fields.opt("stream_id"),
        })
    }
}

impl Read for LiveVideoOutput {
    fn read(value: &Value) -> value::Result<Self> {
        let fields = value.fields();
        fields.done(LiveVideoOutput {
            subscribe_url: fields.req("subscribe_url"),
            publish_url: fields.req("publish_url"),
            control_url: fields.or_default("control_url"),
            events_url: fields.or_default("events_url"),
            request_id: fields.or_default("request_id"),
            manifest_id: fields.or_default("manifest_id"),
        })
    }
}
