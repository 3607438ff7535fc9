// Mounts the app shell (loaded by main.ts once the locale is usable).
import "./style.css";
import "uplot/dist/uPlot.min.css";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";

const root = document.getElementById("app");
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
