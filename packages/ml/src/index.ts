export * from "./frame/frame.js";
