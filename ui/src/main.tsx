// Entry point of Pare's UI. WebKitGTK reports the POSIX locale (`C`, when LANG is unset or C, as on CI
// machines) as navigator.language, which Intl rejects; uPlot formats with it as soon as it loads. So
// the language falls back to en-US when Intl cannot use it, before the rest of the UI is loaded.
function usableLocale(tag: string): boolean {
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

if (!usableLocale(navigator.language)) {
  Object.defineProperty(navigator, "language", { value: "en-US", configurable: true });
  Object.defineProperty(navigator, "languages", { value: ["en-US"], configurable: true });
}

void import("./start");
