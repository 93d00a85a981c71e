//! The background work of a service: running a job to its end, resuming the polling of
//! an async job after a reload, and watching a live stream once it started. Each task
//! holds the service's shared state and ends with the job, its cancel switch or the
//! service.

use super::input::Input;
use super::live;
use super::poller::poll_until_done;
use super::runner::{drive, finish};
use super::shared::{Shared, SwitchGuard};
use crate::error::JobError;
use crate::pipelines::{JobOutput, Pipeline};
use futures_channel::oneshot;
use std::rc::Rc;

/// A fresh cancel switch for `job_id`, kept in the shared state; its receiver goes to
/// the task that drives the job.
pub fn cancel_switch(shared: &Shared, job_id: &str) -> oneshot::Receiver<()> {
    let (switch, cancel) = oneshot::channel();
    shared.local(job_id).cancel = Some(switch);
    cancel
}

/// Runs a queued job to its end. On success its input is let go, and a live stream's
/// status starts being watched.
pub async fn run_job(
    shared: Rc<Shared>,
    job_id: String,
    pipeline: Pipeline,
    input: Rc<Input>,
    cancel: oneshot::Receiver<()>,
) -> Result<JobOutput, JobError> {
    let output = drive(&shared, &job_id, pipeline, &input, cancel).await?;
    shared.local(&job_id).input = None;
    shared.save(&job_id);
    if let Some(stream_id) = input.stream_id.as_deref().filter(|_| pipeline.is_live()) {
        watch_live(&shared, &job_id, stream_id);
    }
    Ok(output)
}

/// Polls an async job again after a reload, by the request id it had.
pub async fn resume_job(
    shared: Rc<Shared>,
    job_id: String,
    pipeline: Pipeline,
    request_id: String,
    mut cancel: oneshot::Receiver<()>,
) -> Result<JobOutput, JobError> {
    let _guard = SwitchGuard { shared: &shared, job_id: &job_id };
    let success = poll_until_done(&shared, &job_id, pipeline, &request_id, &mut cancel).await?;
    let output = finish(&shared, &job_id, success)?;
    shared.local(&job_id).input = None;
    shared.save(&job_id);
    Ok(output)
}

/// Starts watching the status of the live stream of `job_id`.
fn watch_live(shared: &Rc<Shared>, job_id: &str, stream_id: &str) {
    let (switch, stop) = oneshot::channel();
    shared.local(job_id).monitor = Some(switch);
    let (shared, job_id, stream_id) =
        (Rc::clone(shared), job_id.to_string(), stream_id.to_string());
    super::js::spawn(async move {
        live::watch(&shared, &job_id, &stream_id, stop).await;
        shared.local(&job_id).monitor = None;
    });
}

/// The error a job cut by a page reload ends with.
pub fn reload_error() -> JobError {
    JobError::new(
        crate::error::ErrorKind::Interrupted,
        "the page was reloaded while this job's request ran; submit it again",
    )
}
