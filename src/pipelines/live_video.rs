//! live-video-to-video: the request that starts a live stream and the URLs the gateway
//! answers with. The pipeline's free-form `params` object travels beside these fields;
//! the browser layer passes it through as given.

use super::check::not_blank;
use crate::error::JobError;
use serde::{Deserialize, Serialize};

/// Parameters of a live-video-to-video job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveVideoParams {
    /// Where the gateway reads the incoming stream from.
    pub subscribe_url: String,
    /// Where the gateway publishes the processed stream.
    pub publish_url: String,
    /// Where parameter updates are sent (Trickle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub control_url: Option<String>,
    /// Where status and log events are published (Trickle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_url: Option<String>,
    /// The live pipeline to run (not a Hugging Face model, despite the name).
    #[serde(default)]
    pub model_id: String,
    /// The gateway request id, for logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_request_id: Option<String>,
    /// The orchestrator's manifest id, for logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_id: Option<String>,
    /// The stream id, for logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LiveVideoOutput {
    /// Where the gateway reads the incoming stream.
    pub subscribe_url: String,
    /// Where the processed stream is published.
    pub publish_url: String,
    /// Where to send parameter updates.
    #[serde(default)]
    pub control_url: String,
    /// Where status and log events are published.
    #[serde(default)]
    pub events_url: String,
    /// The id the gateway gave the request.
    #[serde(default)]
    pub request_id: String,
    /// The orchestrator's manifest id.
    #[serde(default)]
    pub manifest_id: String,
}
