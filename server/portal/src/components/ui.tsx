/** The portal's small building blocks: accessible by construction (labels, live regions, focus). */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/I18nProvider';
import type { Load } from '../hooks/useLoad';

/** The page's one h1: it names the page in the tab title and takes the focus when the page opens. */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const { t } = useI18n();
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = t.app.pageTitle(title);
  }, [t, title]);
  useEffect(() => {
    // Moving focus to the new page's title tells screen-reader users where they are after a navigation.
    ref.current?.focus({ preventScroll: false });
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} className="page-title">
      {children}
    </h1>
  );
}

export type Tone = 'error' | 'success' | 'info' | 'warning';

/**
 * A message box. Errors interrupt (role alert); other tones are announced politely (role status).
 * `live={false}` when a page announces the change through its own, always-present live region.
 */
export function Alert({ tone, title, children, id, live = true }: { tone: Tone; title?: string; children?: ReactNode; id?: string; live?: boolean }) {
  return (
    <div className={`alert alert-${tone}`} role={live ? (tone === 'error' ? 'alert' : 'status') : undefined} id={id}>
      <span className="alert-icon" aria-hidden="true" />
      <div className="alert-body">
        {title && <p className="alert-title">{title}</p>}
        {children}
      </div>
    </div>
  );
}

export function ErrorAlert({ error }: { error: unknown }) {
  const { errorMessage } = useI18n();
  if (error === null || error === undefined) return null;
  return <Alert tone="error">{errorMessage(error)}</Alert>;
}

export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/** A labelled form control with its hint and error, wired with aria-describedby and aria-invalid. */
export function Field({
  label,
  hint,
  error,
  optional,
  className,
  children,
}: {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  optional?: boolean;
  className?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const { t } = useI18n();
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ');
  return (
    <div className={`field ${className ?? ''}`}>
      <label htmlFor={id}>
        {label}
        {optional && <span className="optional"> ({t.common.optional})</span>}
      </label>
      {children({ id, ...(describedBy ? { 'aria-describedby': describedBy } : {}), ...(error ? { 'aria-invalid': true } : {}) })}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

/** A secret input with a show/hide toggle (pressed state announced). */
export function SecretInput(
  props: ControlProps & {
    value: string;
    onChange(value: string): void;
    autoComplete: 'current-password' | 'new-password' | 'one-time-code';
    required?: boolean;
    inputMode?: 'numeric' | 'text';
    maxLength?: number;
    name?: string;
  },
) {
  const { t } = useI18n();
  const [visible, setVisible] = useState(false);
  const { value, onChange, autoComplete, inputMode, ...rest } = props;
  return (
    <div className="secret-input">
      <input
        {...rest}
        type={visible ? 'text' : 'password'}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        autoComplete={autoComplete}
        inputMode={inputMode}
        spellCheck={false}
        autoCapitalize="off"
      />
      <button type="button" className="button-ghost button-small" aria-pressed={visible} onClick={() => setVisible((v) => !v)}>
        {visible ? t.common.hideSecret : t.common.showSecret}
      </button>
    </div>
  );
}

export function StatusBadge({ tone, children }: { tone: 'pending' | 'success' | 'danger' | 'neutral'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

/** Copies a value; the result is announced in a live region next to the button. */
export function CopyButton({ value, label }: { value: string; label: string }) {
  const { t } = useI18n();
  const [result, setResult] = useState<'copied' | 'failed' | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setResult('copied');
    } catch {
      setResult('failed');
    }
  }
  return (
    <span className="copy">
      <button type="button" className="button-secondary button-small" onClick={() => void copy()} aria-label={label}>
        {t.common.copy}
      </button>
      <span className="copy-result" role="status">
        {result === 'copied' ? t.common.copied : result === 'failed' ? t.common.copyFailed : ''}
      </span>
    </span>
  );
}

/** A modal confirmation on the native <dialog>: focus is trapped, Escape cancels, focus returns afterwards. */
export function ConfirmDialog({
  open,
  title,
  body,
  confirmLabel,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: string;
  body: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  error?: unknown;
  onConfirm(): void;
  onCancel(): void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      aria-describedby={bodyId}
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div id={bodyId}>{body}</div>
      <ErrorAlert error={error} />
      <div className="actions">
        <button type="button" className="button-secondary" onClick={onCancel} autoFocus>
          {t.common.cancel}
        </button>
        <button type="button" className="button-danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

export function Breadcrumb({ items, label }: { items: string[]; label: string }) {
  return (
    <nav aria-label={label} className="breadcrumb">
      <ol>
        {items.map((item, index) => (
          <li key={item} aria-current={index === items.length - 1 ? 'page' : undefined}>
            {item}
          </li>
        ))}
      </ol>
    </nav>
  );
}

export function Spinner({ label }: { label: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** Shows a loading state, the first load's error with a retry, or the data. */
export function Loaded<T>({ load, retry, children }: { load: Load<T>; retry(): void; children: (data: T) => ReactNode }) {
  const { t } = useI18n();
  if (load.status === 'loading') return <Spinner label={t.common.loading} />;
  if (load.status === 'failed')
    return (
      <div>
        <ErrorAlert error={load.error} />
        <button type="button" className="button-secondary" onClick={retry}>
          {t.common.retry}
        </button>
      </div>
    );
  return <>{children(load.data)}</>;
}

/** A table that turns into cards on narrow screens (each cell carries its column's name in data-label); its caption is for screen readers. */
export function ResponsiveTable({ caption, columns, className, children }: { caption: string; columns: string[]; className?: string; children: ReactNode }) {
  return (
    <table className={className ? `table responsive-table ${className}` : 'table responsive-table'}>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th key={column} scope="col">
              {column}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
