// What a page calling all ten Livepeer pipelines through the official SDK ships: the
// client and the ten generate calls (zod comes along as the SDK's peer dependency).
import { Livepeer } from "@livepeer/ai";

const livepeer = new Livepeer({ httpBearer: "" });

export const calls = [
  (p) => livepeer.generate.textToImage(p),
  (p) => livepeer.generate.imageToImage(p),
  (p) => livepeer.generate.imageToVideo(p),
  (p) => livepeer.generate.upscale(p),
  (p) => livepeer.generate.audioToText(p),
  (p) => livepeer.generate.segmentAnything2(p),
  (p) => livepeer.generate.llm(p),
  (p) => livepeer.generate.imageToText(p),
  (p) => livepeer.generate.liveVideoToVideo(p),
  (p) => livepeer.generate.textToSpeech(p),
];
