// The screens and how to get to one.
import type { ActivityFilter, AlertFilter } from "../ipc";

export type Route =
  | { screen: "dashboard" }
  | { screen: "activity"; filter?: ActivityFilter }
  | { screen: "principals" }
  | { screen: "principal"; key: string }
  | { screen: "root" }
  | { screen: "identities" }
  | { screen: "findings" }
  | { screen: "connect" }
  | { screen: "alerts"; filter?: AlertFilter; selected?: number }
  | { screen: "alert-policy"; id: string }
  | { screen: "reviews" }
  | { screen: "review"; name: string }
  | { screen: "drift" };

export type Navigate = (r: Route) => void;

/** The main navigation, in order; keys 1–9 select them. */
export const NAV: { screen: Route["screen"]; label: string; later?: boolean }[] = [
  { screen: "dashboard", label: "Dashboard" },
  { screen: "activity", label: "Activity" },
  { screen: "principals", label: "Principals" },
  { screen: "root", label: "Root account" },
  { screen: "identities", label: "Identities", later: true },
  { screen: "findings", label: "Findings", later: true },
  { screen: "connect", label: "Connect to AWS" },
  { screen: "alerts", label: "Alerts" },
  { screen: "reviews", label: "Reviews" },
  { screen: "drift", label: "Drift" },
];
