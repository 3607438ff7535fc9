// Loading, empty, error and "not yet" states, shared by every view.
import type { ReactNode } from "react";

export function Loading({ what }: { what: string }) {
  return (
    <p className="state loading" role="status">
      Loading {what}…
    </p>
  );
}

export function ErrorState({ title, message }: { title: string; message: string }) {
  return (
    <div className="state error" role="alert">
      <strong>{title}</strong>
      <p>{message}</p>
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <strong>{title}</strong>
      {children ? <p>{children}</p> : null}
    </div>
  );
}

/** A clearly marked place for a screen or panel whose engine part is not built yet (no fake data). */
export function ComingLater({ title, needs }: { title: string; needs: string }) {
  return (
    <section className="panel later" data-testid="coming-later" aria-label={`${title} (not available yet)`}>
      <h3>{title}</h3>
      <p>
        Not available yet: this needs {needs}. Pare shows nothing here rather than a guess.
      </p>
    </section>
  );
}
