// The app shell: which database is open (with a clear demo label), Open…/demo switches, the import
// progress and report, the navigation (keys 1–9), and the current screen.
import { useCallback, useEffect, useState } from "react";
import * as ipc from "./ipc";
import type { DatabaseInfo, ActivityFilter, ImportOutcome, ImportStatus } from "./ipc";
import { ImportProgress, ImportResult } from "./components/ImportPanel";
import { ErrorState, Loading } from "./components/States";
import { useLoad } from "./lib/useLoad";
import { NAV, type Route } from "./lib/route";
import { Activity } from "./views/Activity";
import { Connect } from "./views/Connect";
import { Dashboard } from "./views/Dashboard";
import { Findings } from "./views/Findings";
import { Identities } from "./views/Identities";
import { IdentityScreen } from "./views/IdentityScreen";
import { Principals } from "./views/Principals";
import { Root } from "./views/Root";
import { Alerts } from "./views/Alerts";
import { AlertPolicy } from "./views/AlertPolicy";
import { Reviews } from "./views/Reviews";
import { ReviewDetail } from "./views/ReviewDetail";
import { Drift } from "./views/Drift";

function Screen({
  route,
  setRoute,
  generation,
  onDatabase,
}: {
  route: Route;
  setRoute: (r: Route) => void;
  generation: number;
  onDatabase: (db: DatabaseInfo) => void;
}) {
  const [filter, setFilter] = useState<ActivityFilter>(route.screen === "activity" ? (route.filter ?? {}) : {});
  useEffect(() => {
    if (route.screen === "activity") setFilter(route.filter ?? {});
  }, [route]);
  const overview = useLoad(() => (route.screen === "dashboard" ? ipc.overview() : Promise.resolve(undefined)), [route.screen, generation]);
  const facets = useLoad(() => (route.screen === "activity" ? ipc.facets() : Promise.resolve(undefined)), [route.screen, generation]);
  const principals = useLoad(() => (route.screen === "principals" ? ipc.principals() : Promise.resolve(undefined)), [route.screen, generation]);
  const root = useLoad(() => (route.screen === "root" ? ipc.rootActivity() : Promise.resolve(undefined)), [route.screen, generation]);
  const summary = useLoad(() => (route.screen === "dashboard" ? ipc.accountSummary() : Promise.resolve(undefined)), [route.screen, generation]);
  const shown = route.screen === "dashboard" && overview.data !== undefined && (summary.data !== undefined || summary.error !== undefined);
  useEffect(() => {
    if (shown && overview.data) ipc.reportDashboardShown(`events=${overview.data.events},identities=${summary.data?.identities ?? "error"}`);
  }, [shown, overview.data, summary.data]);
  const openIdentity = (arn: string) => setRoute({ screen: "identity", key: arn });

  switch (route.screen) {
    case "dashboard":
      if (overview.error) return <ErrorState title="The dashboard could not be loaded" message={overview.error} />;
      return overview.data ? (
        <Dashboard data={overview.data} account={summary.data} accountError={summary.error} navigate={setRoute} />
      ) : (
        <Loading what="the dashboard" />
      );
    case "activity":
      return <Activity key={generation} filter={filter} setFilter={setFilter} facets={facets.data} navigate={setRoute} />;
    case "principals":
      if (principals.error) return <ErrorState title="The principals could not be loaded" message={principals.error} />;
      return principals.data ? <Principals rows={principals.data} navigate={setRoute} /> : <Loading what="principals" />;
    case "principal":
    case "identity":
      return <IdentityScreen identityKey={route.key} navigate={setRoute} generation={generation} />;
    case "root":
      if (root.error) return <ErrorState title="The root timeline could not be loaded" message={root.error} />;
      return root.data ? <Root data={root.data} navigate={setRoute} /> : <Loading what="root activity" />;
    case "identities":
      return (
        <Identities
          key={generation}
          kind={route.kind}
          openIdentity={openIdentity}
          openFindings={(arn) => setRoute({ screen: "findings", principal: arn })}
        />
      );
    case "findings":
      return (
        <Findings
          key={generation}
          initial={{ principal: route.principal, severity: route.severity, kind: route.kind }}
          openIdentity={openIdentity}
          openActivity={(filter) => setRoute({ screen: "activity", filter })}
        />
      );
    case "connect":
      return <Connect navigate={setRoute} onDatabase={onDatabase} />;
    case "alerts":
      return <Alerts key={`${generation}-${JSON.stringify(route.filter ?? {})}`} initialFilter={route.filter ?? {}} initialSelected={route.selected} navigate={setRoute} />;
    case "alert-policy":
      return <AlertPolicy key={`${generation}-${route.id}`} id={route.id} navigate={setRoute} />;
    case "reviews":
      return <Reviews key={generation} navigate={setRoute} />;
    case "review":
      return <ReviewDetail key={`${generation}-${route.name}`} name={route.name} navigate={setRoute} />;
    case "drift":
      return <Drift key={generation} />;
  }
}

export function App() {
  const [db, setDb] = useState<DatabaseInfo | null>(null);
  const [dbError, setDbError] = useState<string | null>(null);
  const [route, setRoute] = useState<Route>({ screen: "dashboard" });
  const [generation, setGeneration] = useState(0);
  const [status, setStatus] = useState<ImportStatus | null>(null);
  const [importing, setImporting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [outcome, setOutcome] = useState<ImportOutcome | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const switchTo = useCallback((open: () => Promise<DatabaseInfo>) => {
    setDbError(null);
    open().then(
      (info) => {
        setDb(info);
        setGeneration((g) => g + 1);
      },
      (err: unknown) => setDbError(String(err)),
    );
  }, []);

  useEffect(() => {
    if (!ipc.inDesktopShell()) {
      setDbError("Pare’s UI runs inside the desktop app (pare-desktop); this page was opened without it.");
      return;
    }
    switchTo(ipc.openStartDatabase);
    let unlisten: (() => void) | undefined;
    void ipc
      .onImport(
        (s) => setStatus(s),
        (o) => {
          setImporting(false);
          setCancelling(false);
          setStatus(null);
          setOutcome(o);
          if (o.database) {
            setDb(o.database);
            setGeneration((g) => g + 1);
          }
        },
      )
      .then((u) => (unlisten = u));
    return () => unlisten?.();
  }, [switchTo]);

  // A live scan (the Connect screen) opened the user's own database.
  const scanned = useCallback((info: DatabaseInfo) => {
    setDb(info);
    setGeneration((g) => g + 1);
  }, []);

  const startImport = (kind: "folder" | "files") => {
    setActionError(null);
    setOutcome(null);
    ipc.pickAndImport(kind).then(
      (started) => {
        if (started) setImporting(true);
      },
      (err: unknown) => setActionError(String(err)),
    );
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const n = Number(e.key);
      const item = Number.isInteger(n) && n >= 1 ? NAV[n - 1] : undefined;
      if (item) {
        e.preventDefault();
        setRoute({ screen: item.screen } as Route);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  const current =
    route.screen === "principal" || route.screen === "identity"
      ? "principals"
      : route.screen === "alert-policy"
        ? "alerts"
        : route.screen === "review"
          ? "reviews"
          : route.screen;
  return (
    <div className="app">
      <header className="topbar">
        <h1>Pare</h1>
        {db ? (
          <span className="db" title={db.path} data-testid="database-label" data-demo={db.demo}>
            {db.demo ? <span className="badge demo">Demo account</span> : <span className="badge own">Your account</span>}
            <span className="muted">{db.demo ? "Northwind production (fictional): 27 identities, 90-day trail" : db.path}</span>
          </span>
        ) : null}
        <span className="spacer" />
        <button type="button" onClick={() => startImport("folder")} disabled={importing} data-testid="open-folder">
          Open folder…
        </button>
        <button type="button" onClick={() => startImport("files")} disabled={importing}>
          Open files…
        </button>
        {db && !db.demo ? (
          <button type="button" onClick={() => switchTo(ipc.openDemo)}>
            Show demo
          </button>
        ) : (
          <button type="button" onClick={() => switchTo(ipc.openWorkspace)} disabled={importing}>
            Your account
          </button>
        )}
      </header>
      <nav className="nav" aria-label="screens">
        {NAV.map((n, i) => (
          <button
            key={n.screen}
            type="button"
            className={current === n.screen ? "active" : ""}
            aria-current={current === n.screen ? "page" : undefined}
            onClick={() => setRoute({ screen: n.screen } as Route)}
            data-testid={`nav-${n.screen}`}
          >
            {n.label}
            {n.later ? <small> (soon)</small> : null}
            <kbd>{i + 1}</kbd>
          </button>
        ))}
      </nav>
      <main className="content">
        {actionError ? <ErrorState title="Could not start the import" message={actionError} /> : null}
        {importing && status ? (
          <ImportProgress
            status={status}
            cancelling={cancelling}
            onCancel={() => {
              setCancelling(true);
              void ipc.cancelImport();
            }}
          />
        ) : importing ? (
          <p className="state loading" role="status">Starting the import…</p>
        ) : null}
        {outcome ? <ImportResult outcome={outcome} onDismiss={() => setOutcome(null)} /> : null}
        {dbError ? (
          <ErrorState title="No database is open" message={dbError} />
        ) : db ? (
          <Screen route={route} setRoute={setRoute} generation={generation} onDatabase={scanned} />
        ) : (
          <Loading what="the demo account" />
        )}
      </main>
    </div>
  );
}
