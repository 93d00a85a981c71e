// Smoke test of the demo page in headless Chromium: the release wasm package loads, a
// job returns a PNG that decodes at the asked size, a 503 is retried, a slow job can be
// cancelled, and each of the ten pipelines runs through the page and shows its result,
// the media pipelines working on the last generated image or speech. Only 127.0.0.1 and
// localhost are reachable; any other request is aborted, counted and fails the test, as
// does any page error or console error. Each kind of result is photographed into
// test-results/.
//
// Needs pkg/ built first: `npm run build && node --test tests/smoke/`.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../scripts/lib.mjs";
import { openDemo } from "./harness.mjs";

const RESULTS = join(ROOT, "test-results");

let demo;
let page;

before(async () => {
  demo = await openDemo();
  page = demo.page;
  mkdirSync(RESULTS, { recursive: true });
});

after(async () => {
  await demo?.close();
});

/** Fills the text-to-image form and presses one of its buttons; resolves with the row. */
async function startJob({ prompt, fault = "none", button = "#run-sync" }) {
  return startPipeline("text-to-image", { fault, button }, async () => {
    await page.fill("#prompt", prompt);
    await page.fill("#width", "320");
    await page.fill("#height", "192");
    await page.fill("#num-images", "");
  });
}

/**
 * Chooses `pipeline`, lets `fill` fill its fields, presses a button and resolves with
 * the new job's row. Fails with the form's message when no job was started.
 */
async function startPipeline(pipeline, { fault = "none", button = "#run-sync" }, fill) {
  const jobs = page.locator("tbody[data-testid=job]");
  const before = await jobs.count();
  await page.selectOption("#pipeline", pipeline);
  await page.selectOption("#fault", fault);
  await fill();
  await page.click(button);
  try {
    await page.waitForFunction((n) => {
      return document.querySelectorAll("tbody[data-testid=job]").length > n;
    }, before, { timeout: 5_000 });
  } catch {
    const message = await page.locator("#form-message").textContent();
    assert.fail(`no ${pipeline} job started: ${message}`);
  }
  return jobs.first();
}

async function waitForState(row, state, timeout = 20_000) {
  try {
    await row.locator(`xpath=self::*[@data-state="${state}"]`).waitFor({ timeout });
  } catch (error) {
    const seen = await row.getAttribute("data-state");
    const why = await row.locator("[data-testid=job-error]").textContent();
    const message = await page.locator("#form-message").textContent();
    assert.fail(`job is ${seen}, not ${state}: ${why || message || error.message}`);
  }
}

/** Runs one sync job of `pipeline` without a fault and waits until it is delivered. */
async function runPipeline(pipeline, fill = async () => {}) {
  const row = await startPipeline(pipeline, {}, fill);
  assert.equal(await row.getAttribute("data-pipeline"), pipeline);
  await waitForState(row, "delivered", 40_000);
  await assertShown(row);
  return row;
}

/** Waits for the row's result and fails with the page's words when it cannot be shown. */
async function assertShown(row) {
  await row.locator("[data-testid=job-result]").waitFor();
  const problem = row.locator("[data-testid=result-problem]");
  if (await problem.count() > 0) assert.fail(await problem.textContent());
}

/** Chooses the last generated image or speech as the media input of `field`. */
async function useLast(field) {
  await page.check(`#${field}-input input[data-source][value=last]`);
  const label = await page.locator(`#${field}-input [data-last-label]`).textContent();
  assert.match(label, /\(job [^)]+\)/, `there is a last generated ${field}`);
}

async function loadedImageSize(image) {
  await page.waitForFunction(
    (img) => img.complete && img.naturalWidth > 0,
    await image.elementHandle(),
  );
  return image.evaluate((img) => [img.naturalWidth, img.naturalHeight]);
}

async function snap(row, kind) {
  await row.scrollIntoViewIfNeeded();
  await row.screenshot({ path: join(RESULTS, `result-${kind}.png`) });
}

test("a sync job shows its 320x192 image", { timeout: 60_000 }, async () => {
  const row = await startJob({ prompt: "a lighthouse at dusk" });
  await waitForState(row, "delivered");

  await assertShown(row);
  const image = row.locator("img[data-testid=job-image]");
  assert.deepEqual(await loadedImageSize(image), [320, 192]);
  assert.match(await row.locator("figcaption").textContent(), /seed \d+ · nsfw no/);
  await snap(row, "images");
});

test("a 503 is retried and the job is delivered on attempt 2", { timeout: 60_000 }, async () => {
  const row = await startJob({ prompt: "a harbour", fault: "503", button: "#run-async" });
  await waitForState(row, "delivered");

  assert.equal(await row.locator("[data-testid=job-attempt]").textContent(), "2");
  assert.equal(await row.locator("[data-testid=job-error]").textContent(), "");
  const jobId = await row.getAttribute("data-job-id");
  const retry = page.locator("#event-log li[data-type=retry]", { hasText: jobId });
  assert.equal(await retry.count(), 1);
  assert.match(await retry.textContent(), /attempt 1.*waits \d+\.\d s.*503/s);

  await assertShown(row);
  await row.locator("img[data-testid=job-image]").waitFor();
});

test("a slow job can be cancelled", { timeout: 60_000 }, async () => {
  const row = await startJob({ prompt: "a slow sunrise", fault: "slow", button: "#run-async" });
  await waitForState(row, "submitting");
  await row.locator("[data-testid=job-cancel]").click();
  await waitForState(row, "cancelled");

  assert.match(await row.locator("[data-testid=job-error]").textContent(), /^cancelled/);
  assert.equal(await row.locator("[data-testid=job-cancel]").isHidden(), true);
});

test("image-to-image redraws the last generated image", { timeout: 60_000 }, async () => {
  const row = await runPipeline("image-to-image", async () => {
    await useLast("image");
    await page.fill("#prompt", "the same harbour at night");
    await page.fill("#num-images", "2");
  });
  const images = row.locator("img[data-testid=job-image]");
  assert.equal(await images.count(), 2);
  assert.deepEqual(await loadedImageSize(images.first()), [320, 192]);
});

test("upscale doubles the last generated image", { timeout: 60_000 }, async () => {
  const row = await runPipeline("upscale", async () => {
    await useLast("image");
    await page.fill("#prompt", "sharper");
  });
  const image = row.locator("img[data-testid=job-image]");
  assert.deepEqual(await loadedImageSize(image), [640, 384]);
});

test("image-to-video plays a clip of the last image", { timeout: 90_000 }, async () => {
  const row = await runPipeline("image-to-video", async () => {
    await useLast("image");
    await page.fill("#width", "320");
    await page.fill("#height", "192");
  });
  const video = row.locator("video[data-testid=job-video]");
  await page.waitForFunction(
    (v) => v.readyState >= 1 && Number.isFinite(v.duration) && v.duration > 0,
    await video.elementHandle(),
    { timeout: 10_000 },
  );
  await video.scrollIntoViewIfNeeded();
  await video.evaluate((v) => new Promise((resolve) => {
    v.addEventListener("seeked", resolve, { once: true });
    v.currentTime = v.duration / 2;
  }));
  await page.waitForFunction((v) => v.readyState >= 2, await video.elementHandle());
  await page.waitForTimeout(1000);
  await snap(row, "video");
});

test("image-to-text captions the last image", { timeout: 60_000 }, async () => {
  const row = await runPipeline("image-to-text", async () => {
    await useLast("image");
    await page.fill("#prompt", "");
  });
  const text = await row.locator("[data-testid=job-text]").textContent();
  assert.ok(text.trim().length > 0, "the caption is not empty");
});

test("segment-anything-2 masks the point clicked on the image", { timeout: 60_000 }, async () => {
  const row = await runPipeline("segment-anything-2", async () => {
    await useLast("image");
    const canvas = page.locator("#point-canvas");
    await canvas.waitFor();
    const box = await canvas.boundingBox();
    await canvas.click({ position: { x: box.width * 0.4, y: box.height * 0.5 } });
    assert.equal(await page.locator("#point-list li").count(), 1);
    await page.screenshot({ path: join(RESULTS, "form-points.png"), fullPage: true });
  });
  const canvas = row.locator("canvas[data-testid=job-masks][data-drawn=true]");
  await canvas.waitFor();
  assert.ok(Number(await canvas.getAttribute("data-mask-pixels")) > 0, "a mask is drawn");
  assert.equal(await row.locator("[data-testid=job-scores] li").count(), 3);
  await snap(row, "masks");
});

test("text-to-speech speaks a text", { timeout: 60_000 }, async () => {
  const row = await runPipeline("text-to-speech", async () => {
    await page.fill("#speech-text", "Welcome aboard. The tide turns at noon, so hurry up.");
    await page.fill("#speech-description", "a calm voice");
  });
  await waitForDuration(row.locator("audio[data-testid=job-audio]"));
  await snap(row, "audio");
});

test("audio-to-text transcribes the last speech by sentence", { timeout: 60_000 }, async () => {
  const row = await runPipeline("audio-to-text", async () => {
    await useLast("audio");
    await page.selectOption("#timestamps", "sentence");
  });
  const text = await row.locator("[data-testid=job-text]").textContent();
  assert.ok(text.trim().length > 0, "the transcript is not empty");
  const chunks = row.locator("[data-testid=job-chunks] li");
  assert.ok(await chunks.count() > 0, "the transcript has timed chunks");
  assert.match(await chunks.first().textContent(), /^\d+\.\d(–\d+\.\d)? s/);
  await snap(row, "text");
});

test("llm streams its answer token by token", { timeout: 60_000 }, async () => {
  await page.evaluate(() => {
    window.llmLengths = [];
    new MutationObserver(() => {
      const text = document.querySelector("tbody[data-pipeline=llm] [data-testid=job-llm-text]");
      if (text) window.llmLengths.push(text.textContent.length);
    }).observe(document.getElementById("jobs"), {
      subtree: true, childList: true, characterData: true,
    });
  });
  const row = await runPipeline("llm", async () => {
    await page.fill("#message-text-1", "You answer briefly.");
    await page.fill("#message-text-2", "Which harbour is the calmest?");
    await page.fill("#max-tokens", "40");
    await page.check("#stream");
  });
  await row.locator("[data-testid=job-llm][data-done=true]").waitFor();

  const text = await row.locator("[data-testid=job-llm-text]").textContent();
  assert.ok(text.trim().length > 0, "the answer is not empty");
  const streamed = Number(await row.getAttribute("data-streamed-tokens"));
  assert.ok(streamed > 1, `tokens were streamed (${streamed})`);
  const lengths = await page.evaluate(() => window.llmLengths);
  assert.ok(new Set(lengths).size > 2, "the answer grew in steps while it streamed");
  assert.match(await row.locator("[data-testid=job-llm-detail]").textContent(),
    /finish: (stop|length) · tokens: \d+ prompt \+ \d+ completion = \d+/);

  const jobId = await row.getAttribute("data-job-id");
  const tokenLine = page.locator("#event-log li[data-type=token]", { hasText: jobId });
  assert.equal(await tokenLine.count(), 1, "one event line counts the tokens");
  assert.equal(Number(await tokenLine.getAttribute("data-tokens")), streamed);
  await snap(row, "llm");
});

test("a stream that breaks off fails the llm job and keeps its tokens", {
  timeout: 60_000,
}, async () => {
  const row = await startPipeline("llm", { fault: "sse" }, async () => {
    await page.check("#stream");
  });
  await waitForState(row, "failed");
  assert.match(await row.locator("[data-testid=job-error]").textContent(), /^stream: /);
  assert.equal(await row.getAttribute("data-streamed-tokens"), "3");
  await row.locator("[data-testid=job-llm][data-ended=failed]").waitFor();
});

test("media sent as data: URLs shows too", { timeout: 60_000 }, async () => {
  const row = await startJob({ prompt: "a buoy", fault: "data-urls" });
  await waitForState(row, "delivered");
  await assertShown(row);
  const image = row.locator("img[data-testid=job-image]");
  assert.deepEqual(await loadedImageSize(image), [320, 192]);
});

test("live-video-to-video lists the stream's URLs", { timeout: 60_000 }, async () => {
  const row = await runPipeline("live-video-to-video", async () => {
    await page.fill("#live-params", '{"prompt": "a watercolour sketch"}');
  });
  const values = await row.locator("[data-testid=job-live] dd").allTextContents();
  assert.equal(values.length, 6);
  for (const url of values.slice(0, 4)) assert.match(url, /^https?:\/\/127\.0\.0\.1:\d+\//);
  for (const id of values.slice(4)) assert.ok(id.length > 0);
  await snap(row, "live");
});

test("a removed job's object URLs are revoked", { timeout: 30_000 }, async () => {
  const row = page.locator("tbody[data-testid=job][data-pipeline=text-to-speech]");
  const url = await row.locator("audio[data-testid=job-audio]").getAttribute("src");
  assert.match(url, /^blob:/);
  await page.evaluate(() => {
    window.revokedUrls = [];
    const revoke = URL.revokeObjectURL.bind(URL);
    URL.revokeObjectURL = (revoked) => {
      window.revokedUrls.push(revoked);
      revoke(revoked);
    };
  });
  await row.locator("[data-testid=job-remove]").click();
  assert.equal(await row.count(), 0);
  assert.deepEqual(await page.evaluate(() => window.revokedUrls), [url]);
});

test("the page looks right", async () => {
  await page.screenshot({ path: join(RESULTS, "demo.png"), fullPage: true });
});

test("nothing left the machine and nothing went wrong on the page", () => {
  assert.deepEqual(demo.outsideRequests, []);
  assert.deepEqual(demo.problems, []);
});

async function waitForDuration(media) {
  await page.waitForFunction(
    (m) => m.readyState >= 1 && Number.isFinite(m.duration) && m.duration > 0,
    await media.elementHandle(),
    { timeout: 10_000 },
  );
}
