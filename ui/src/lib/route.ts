// The screens and how to get to one.
import type { ActivityFilter } from "../ipc";

export type Route =
  | { screen: "dashboard" }
  | { screen: "activity"; filter?: ActivityFilter }
  | { screen: "principals" }
  | { screen: "principal"; key: string }
  | { screen: "identity"; key: string }
  | { screen: "root" }
  | { screen: "identities" }
  | { screen: "findings" };

export type Navigate = (r: Route) => void;

/** The main navigation, in order; keys 1–7 select them. */
export const NAV: { screen: Route["screen"]; label: string; later?: boolean }[] = [
  { screen: "dashboard", label: "Dashboard" },
  { screen: "activity", label: "Activity" },
  { screen: "principals", label: "Principals" },
  { screen: "root", label: "Root account" },
  { screen: "identities", label: "Identities", later: true },
  { screen: "findings", label: "Findings", later: true },
];
