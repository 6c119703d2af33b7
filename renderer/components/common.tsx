/** Small building blocks shared by the screens: titles that take the focus, fields, alerts, countdowns. */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { formatDuration, secondsUntil } from '../format';
import { errorMessage, useI18n } from '../i18n';

/**
 * The screen's heading. It takes the keyboard focus when the screen appears, so a screen reader announces
 * the new screen and Tab starts from the top of it.
 */
export function ScreenTitle({ children, eyebrow }: { children: ReactNode; eyebrow?: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <header className="screen-title">
      {eyebrow ? <p className="eyebrow">{eyebrow}</p> : null}
      <h1 ref={ref} tabIndex={-1}>{children}</h1>
    </header>
  );
}

/** A refusal in words. `tone` 'warning' is for refusals that are a next step to take rather than a fault. */
export function ErrorAlert({ error, title, tone = 'error' }: { error: unknown; title?: string; tone?: 'error' | 'warning' }) {
  const i18n = useI18n();
  if (!error) return null;
  return (
    <div className={`alert alert-${tone}`} role="alert">
      {title ? <p className="alert-title">{title}</p> : null}
      <p>{errorMessage(error, i18n)}</p>
    </div>
  );
}

export function Notice({ tone, title, children, role }: { tone: 'info' | 'success' | 'warning' | 'error'; title?: string; children?: ReactNode; role?: 'status' | 'alert' }) {
  return (
    <div className={`alert alert-${tone}`} role={role}>
      {title ? <p className="alert-title">{title}</p> : null}
      {children}
    </div>
  );
}

interface FieldProps {
  label: string;
  hint?: ReactNode;
  problem?: string | null;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}

/** A labelled control with its hint and its problem, wired with aria-describedby and aria-invalid. */
export function Field({ label, hint, problem, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const problemId = `${id}-problem`;
  const describedBy = [hint ? hintId : null, problem ? problemId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': problem ? true : undefined })}
      {hint ? <p className="hint" id={hintId}>{hint}</p> : null}
      {problem ? <p className="problem" id={problemId}>{problem}</p> : null}
    </div>
  );
}

/** Time left until `expiresAt`, as a timer (not announced every second; the text is there when read). */
export function TimeLeft({ expiresAt, now, format }: { expiresAt: string; now: number; format: (duration: string) => string }) {
  const seconds = secondsUntil(expiresAt, now);
  return (
    <span role="timer" className={seconds <= 60 ? 'time-left time-left-urgent' : 'time-left'}>
      {format(formatDuration(seconds))}
    </span>
  );
}

export function Spinner() {
  return <span className="spinner" aria-hidden="true" />;
}

/** A small decorative mark: check, cross, clock, warning, shield. Hidden from assistive technology. */
export function Icon({ name, size = 20 }: { name: 'check' | 'cross' | 'clock' | 'warning' | 'shield' | 'phone' | 'user' | 'inbox'; size?: number }) {
  const paths: Record<typeof name, ReactNode> = {
    check: <path d="M5 12.5l4.5 4.5L19 7.5" />,
    cross: <path d="M6.5 6.5l11 11M17.5 6.5l-11 11" />,
    clock: (
      <>
        <circle cx="12" cy="12" r="8.5" />
        <path d="M12 7.5V12l3 2" />
      </>
    ),
    warning: (
      <>
        <path d="M12 3.5l9.5 16.5h-19z" />
        <path d="M12 10v4.5M12 17.2v.3" />
      </>
    ),
    shield: (
      <>
        <path d="M12 3l7.5 3v5.5c0 4.6-3.2 8.2-7.5 9.5-4.3-1.3-7.5-4.9-7.5-9.5V6z" />
        <path d="M8.5 12l2.5 2.5 4.5-4.5" />
      </>
    ),
    phone: (
      <>
        <rect x="7" y="2.5" width="10" height="19" rx="2" />
        <path d="M11 18.5h2" />
      </>
    ),
    user: (
      <>
        <circle cx="12" cy="8.5" r="3.5" />
        <path d="M5 20c.8-3.6 3.6-5.5 7-5.5s6.2 1.9 7 5.5" />
      </>
    ),
    inbox: (
      <>
        <path d="M3.5 13.5l2.5-8h12l2.5 8v5h-17z" />
        <path d="M3.5 13.5h5l1 2h5l1-2h5" />
      </>
    ),
  };
  return (
    <svg className={`icon icon-${name}`} width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      {paths[name]}
    </svg>
  );
}
