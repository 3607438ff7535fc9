// A labelled horizontal bar list: each bar's length is its count relative to the largest.
export interface Bar {
  label: string;
  value: number;
  detail?: string;
  onSelect?: () => void;
}

export function Bars({ bars, testid }: { bars: Bar[]; testid?: string }) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  return (
    <ul className="bars" data-testid={testid}>
      {bars.map((b) => (
        <li key={b.label}>
          {b.onSelect ? (
            <button type="button" className="link bar-label" onClick={b.onSelect}>
              {b.label}
            </button>
          ) : (
            <span className="bar-label">{b.label}</span>
          )}
          <span className="bar-track" aria-hidden="true">
            <span className="bar-fill" style={{ width: `${(b.value / max) * 100}%` }} />
          </span>
          <span className="bar-value" data-value={b.value}>
            {b.value.toLocaleString("en-US")}
            {b.detail ? <small> {b.detail}</small> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}
