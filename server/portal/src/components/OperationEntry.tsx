import { useState, type FormEvent, type ReactNode } from 'react';
import type { OperationViewT } from '../../../../protocol/schemas';
import { useSubmit } from '../hooks/useSubmit';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';
import { OperationTracker } from './OperationTracker';
import { PageTitle } from './ui';

/** The state of an operation's entry: the form's submission, then the operation it created. */
export function useOperationEntry() {
  const form = useSubmit();
  const [operation, setOperation] = useState<OperationViewT | null>(null);
  return {
    ...form,
    operation,
    /** `request` returns (or resolves to) null when the form is not valid: nothing is sent. */
    submit: (event: FormEvent, request: () => Promise<{ operation: OperationViewT } | null> | null) =>
      form.submit(event, request, (created) => {
        if (created) setOperation(created.operation);
      }),
    startAnother() {
      setOperation(null);
      form.clearSubmitted();
    },
  };
}

/**
 * Enter an operation, then follow it on the same page until Secure Access decides it: the form (children) until it
 * is sent, then the tracker, with "another" (which clears the form) and "back home".
 */
export function OperationEntry({
  title,
  operation,
  anotherLabel,
  onAnother,
  children,
}: {
  title: string;
  operation: OperationViewT | null;
  anotherLabel: string;
  onAnother(): void;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <div className="page">
      <PageTitle title={title}>{title}</PageTitle>
      {operation ? (
        <>
          <OperationTracker key={operation.id} initial={operation} />
          <div className="actions">
            <button type="button" className="button-secondary" onClick={onAnother}>
              {anotherLabel}
            </button>
            <Link to={PATHS.home} className="button-link button-secondary">
              {t.tracker.backHome}
            </Link>
          </div>
        </>
      ) : (
        children
      )}
    </div>
  );
}
