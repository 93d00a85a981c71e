//! Poll efficiency: how many result polls a long async job costs, and how late its end is
//! seen, with the learned schedule against a fixed 5 s poller.
//!
//! 2,000 image-to-video jobs with log-normal durations (median 90 s, σ = 0.3, fixed seed)
//! run one after another on a virtual clock: nothing waits in real time. The learned
//! schedule starts knowing nothing and learns from each job as a poll sees it done.
//!
//! Run: `cargo run --release --example poll_benchmark`

use comfyui_livepeer::pipelines::Pipeline;
use comfyui_livepeer::requester::poll::{PollPolicy, PollSchedule};

const JOBS: usize = 2_000;
const MEDIAN_MS: f64 = 90_000.0;
const SIGMA: f64 = 0.3;
const BASELINE_INTERVAL_MS: f64 = 5_000.0;
const DURATION_SEED: u64 = 0x5EED_0090;
const JITTER_SEED: u64 = 0x5EED_0091;

/// What polling one job cost and how late its end was seen.
#[derive(Clone, Copy)]
struct Outcome {
    requests: u32,
    delay_ms: f64,
}

fn main() {
    let durations = durations();
    let baseline: Vec<Outcome> = durations.iter().map(|&d| fixed_poller(d)).collect();
    let learned = learned_poller(&durations);

    println!("poll efficiency: 2,000 image-to-video jobs, log-normal median 90 s, sigma 0.3");
    println!("{}", machine());
    println!();
    report("all 2,000 jobs", &baseline, &learned);
    println!();
    let tail = JOBS - 1_000;
    report("last 1,000 jobs (after learning)", &baseline[tail..], &learned[tail..]);
}

/// The job durations in ms: log-normal, drawn with Box–Muller from a fixed seed.
fn durations() -> Vec<f64> {
    let mut rng = fastrand::Rng::with_seed(DURATION_SEED);
    (0..JOBS)
        .map(|_| {
            let u1 = 1.0 - rng.f64();
            let u2 = rng.f64();
            let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            MEDIAN_MS * (SIGMA * normal).exp()
        })
        .collect()
}

/// A poll every 5 s from 5 s on, as ComfyUI's API nodes do.
fn fixed_poller(duration_ms: f64) -> Outcome {
    let requests = (duration_ms / BASELINE_INTERVAL_MS).ceil().max(1.0);
    Outcome { requests: requests as u32, delay_ms: requests * BASELINE_INTERVAL_MS - duration_ms }
}

/// Every job through one learning schedule, in order.
fn learned_poller(durations: &[f64]) -> Vec<Outcome> {
    let pipeline = Pipeline::ImageToVideo;
    let mut schedule = match PollSchedule::new(PollPolicy::default()) {
        Ok(schedule) => schedule,
        Err(error) => panic!("the default policy is invalid: {error}"),
    };
    let mut jitter = fastrand::Rng::with_seed(JITTER_SEED);
    let mut outcomes = Vec::with_capacity(durations.len());

    for &duration in durations {
        let (mut elapsed, mut running_at, mut requests) = (0.0, 0.0, 0u32);
        loop {
            match schedule.next_delay(pipeline, elapsed, requests, jitter.f64()) {
                Ok(delay) => elapsed += delay,
                Err(error) => panic!("job of {duration} ms: {error}"),
            }
            requests += 1;
            if elapsed >= duration {
                break;
            }
            running_at = elapsed;
        }
        schedule.record_finished(pipeline, running_at, elapsed);
        outcomes.push(Outcome { requests, delay_ms: elapsed - duration });
    }
    outcomes
}

/// Requests per job and detection delay for both pollers, and learned / baseline.
fn report(title: &str, baseline: &[Outcome], learned: &[Outcome]) {
    let base = Summary::of(baseline);
    let ours = Summary::of(learned);
    println!("{title}");
    println!("  {:<22} {:>14} {:>14} {:>14}", "", "requests/job", "median delay", "p95 delay");
    for (name, s) in [("fixed 5 s (baseline)", &base), ("learned", &ours)] {
        println!(
            "  {name:<22} {:>14.2} {:>12.3} s {:>12.3} s",
            s.requests,
            s.median_ms / 1000.0,
            s.p95_ms / 1000.0
        );
    }
    println!(
        "  {:<22} {:>13.3}x {:>13.3}x {:>13.3}x",
        "learned / baseline",
        ours.requests / base.requests,
        ours.median_ms / base.median_ms,
        ours.p95_ms / base.p95_ms
    );
    let met = ours.requests <= base.requests && ours.median_ms <= 0.5 * base.median_ms;
    let verdict = if met { "met" } else { "NOT met" };
    println!("  goal (<= 1.0x requests at <= 0.5x median delay): {verdict}");
}

struct Summary {
    requests: f64,
    median_ms: f64,
    p95_ms: f64,
}

impl Summary {
    fn of(outcomes: &[Outcome]) -> Self {
        let total: u64 = outcomes.iter().map(|o| u64::from(o.requests)).sum();
        let mut delays: Vec<f64> = outcomes.iter().map(|o| o.delay_ms).collect();
        delays.sort_by(f64::total_cmp);
        Summary {
            requests: total as f64 / outcomes.len() as f64,
            median_ms: percentile(&delays, 0.5),
            p95_ms: percentile(&delays, 0.95),
        }
    }
}

/// The nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], share: f64) -> f64 {
    let rank = (share * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The machine, the compiler and today's date, in one line.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|name| name.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    let threads = std::thread::available_parallelism().map_or(0, |n| n.get());
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "rustc unknown".to_string(), |v| v.trim().to_string());
    let os = std::env::consts::OS;
    let arch = std::env::consts::ARCH;
    format!("machine: {cpu}, {threads} threads, {os}/{arch}; {rustc}; date {}", today())
}

/// Today's UTC date as YYYY-MM-DD, from the system clock.
fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    // Days to civil date (Howard Hinnant's algorithm).
    let days = (seconds / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
