import { useEffect, useRef } from 'react';
import type { SessionViewT } from '../../../../protocol/schemas';
import { api } from '../api/client';
import { ShieldIcon } from '../components/icons';
import { Alert, PageTitle, Spinner } from '../components/ui';
import { useServerNow } from '../hooks/useNow';
import { useI18n } from '../i18n/I18nProvider';
import { useSession } from '../session';

/**
 * "Validez sur Secure Access": the login waits for a decision on one of the person's devices, with number
 * matching. The session provider long-polls the session; this page shows the number, the time left and
 * what happened.
 */
export function SecureAccessPage({ session }: { session: SessionViewT }) {
  const { t, format } = useI18n();
  const { apply, logout, refresh } = useSession();
  const validation = session.loginValidation;
  const pending = validation?.status === 'pending';
  const now = useServerNow(1_000, pending);
  const remaining = validation ? Date.parse(validation.expiresAt) - now : 0;
  const askedAfterExpiry = useRef<string | null>(null);
  const announcement = {
    pending: t.secureAccess.waiting,
    approved: t.secureAccess.approved,
    rejected: t.secureAccess.rejectedTitle,
    expired: t.secureAccess.expiredTitle,
  };

  // A session that waited at the installation step has no login request yet: it asks for one at once, so the person
  // only has to approve on the device they have just activated.
  const asked = useRef(false);
  useEffect(() => {
    if (validation || asked.current) return;
    asked.current = true;
    api.call('startSecureAccessLogin').then(apply, () => void refresh().catch(() => undefined));
  }, [validation, apply, refresh]);

  // At the deadline, ask the server at once rather than wait for the long-poll's next answer.
  useEffect(() => {
    if (!validation || !pending || remaining > 0 || askedAfterExpiry.current === validation.id) return;
    askedAfterExpiry.current = validation.id;
    void refresh().catch(() => undefined);
  }, [validation, pending, remaining, refresh]);

  const startAgain = (
    <div className="actions">
      <button type="button" className="button-primary" onClick={() => void logout(null)}>
        {t.secureAccess.startAgain}
      </button>
    </div>
  );

  return (
    <div className="narrow-page">
      <PageTitle title={t.secureAccess.title}>{t.secureAccess.title}</PageTitle>
      {!validation && <Spinner label={t.common.loading} />}

      {validation && pending && (
        <div className="card match-card">
          <p className="lead">{t.secureAccess.intro}</p>
          <div className="match">
            <span className="match-icon">
              <ShieldIcon />
            </span>
            <p className="match-label" id="match-label">
              {t.secureAccess.numberLabel}
            </p>
            <p className="match-number" aria-describedby="match-label" data-testid="match-number">
              {validation.number}
            </p>
          </div>
          <p className="countdown">{remaining > 0 ? t.secureAccess.timeLeft(format.duration(remaining)) : t.secureAccess.waiting}</p>
          <p className="muted">{t.secureAccess.expiresAt(format.time(validation.expiresAt))}</p>
          <p>{t.secureAccess.howTo}</p>
          <p className="muted">{t.secureAccess.ifRejected}</p>
        </div>
      )}

      {validation?.status === 'approved' && <Alert tone="success">{t.secureAccess.approved}</Alert>}

      {validation?.status === 'rejected' && (
        <div className="card">
          <Alert live={false} tone="error" title={t.secureAccess.rejectedTitle}>
            <p>{t.secureAccess.rejectedBody}</p>
          </Alert>
          {startAgain}
        </div>
      )}

      {validation?.status === 'expired' && (
        <div className="card">
          <Alert live={false} tone="warning" title={t.secureAccess.expiredTitle}>
            <p>{t.secureAccess.expiredBody}</p>
          </Alert>
          {startAgain}
        </div>
      )}

      <p className="visually-hidden" role="status">
        {validation ? announcement[validation.status] : ''}
      </p>
      <p className="muted small">{t.secureAccess.notYou}</p>
    </div>
  );
}
