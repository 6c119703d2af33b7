import { useState } from 'react';
import type { ActivationViewT } from '../../../../../protocol/schemas';
import { api } from '../../api/client';
import { Alert, Breadcrumb, CopyButton, ErrorAlert, Loaded, PageTitle, ResponsiveTable, StatusBadge } from '../../components/ui';
import { useLoad } from '../../hooks/useLoad';
import { useRowAction } from '../../hooks/useSubmit';
import { useI18n } from '../../i18n/I18nProvider';
import { useActiveSession } from '../../session';

/** New requests arrive from the users' desktop apps: the list is re-read while the page is open. */
const REFRESH_MS = 10_000;

const STATE_TONE: Record<ActivationViewT['codeState'], 'pending' | 'success' | 'danger' | 'neutral'> = {
  not_generated: 'pending',
  unused: 'success',
  used: 'neutral',
  expired: 'neutral',
  dead: 'danger',
};

/** Codes of 24 hours are long: groups of four are easier to read out and to type. */
function groupCode(code: string): string {
  return /^[0-9]{8}$/.test(code) ? code : code.replace(/[\s-]+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

export function ActivationPage() {
  const { t } = useI18n();
  const activations = useLoad((signal) => api.call('listActivations', { signal }), { everyMs: REFRESH_MS });
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <div className="page">
      <Breadcrumb label={t.common.breadcrumb} items={[t.nav.administration, t.nav.security, t.activation.title]} />
      <PageTitle title={`${t.nav.security} › ${t.activation.title}`}>{t.activation.title}</PageTitle>
      <p className="lead">{t.activation.intro}</p>
      {notice && <Alert tone="success">{notice}</Alert>}
      <Loaded load={activations.state} retry={() => void activations.reload()}>
        {({ activations: list }) =>
          list.length === 0 ? (
            <p className="card card-muted">{t.activation.empty}</p>
          ) : (
            <ActivationsTable
              activations={list}
              onGenerated={(updated) => {
                activations.setData({ activations: list.map((activation) => (activation.enrolmentId === updated.enrolmentId ? updated : activation)) });
                setNotice(t.activation.generated(updated.deviceName));
              }}
            />
          )
        }
      </Loaded>
      <p className="muted small">{t.common.autoRefreshed(REFRESH_MS / 1000)}</p>
    </div>
  );
}

function ActivationsTable({ activations, onGenerated }: { activations: ActivationViewT[]; onGenerated(activation: ActivationViewT): void }) {
  const { t, format } = useI18n();
  const session = useActiveSession();
  const { busyId, error, run } = useRowAction();

  function generate(activation: ActivationViewT) {
    return run(activation.enrolmentId, async () => {
      const { activation: updated } = await api.call('generateActivationCode', { params: { id: activation.enrolmentId } });
      onGenerated(updated);
    });
  }

  return (
    <>
      <ErrorAlert error={error} />
      <ResponsiveTable caption={t.activation.title} columns={[t.activation.user, t.activation.device, t.activation.requestedAt, t.activation.state, t.activation.code, t.activation.actions]}>
        {activations.map((activation) => {
          const own = activation.user.id === session.holder.userId;
          const generateText = activation.codeState === 'expired' ? t.activation.regenerate : t.activation.generate;
          const canGenerate =
            activation.codeDelivery === 'administrator' && (activation.codeState === 'not_generated' || activation.codeState === 'expired');
          return (
            <tr key={activation.enrolmentId} data-enrolment-id={activation.enrolmentId}>
              <th scope="row" data-label={t.activation.user}>
                {activation.user.displayName}
                {own && <span className="muted"> ({t.common.you})</span>}
                <span className="cell-note">
                  <code>{activation.user.identifier}</code>
                </span>
              </th>
              <td data-label={t.activation.device}>
                <strong>{activation.deviceName}</strong>
                <span className="cell-note">{t.activation.delivery[activation.codeDelivery]}</span>
              </td>
              <td data-label={t.activation.requestedAt}>{format.shortDateTime(activation.requestedAt)}</td>
              <td data-label={t.activation.state}>
                <StatusBadge tone={STATE_TONE[activation.codeState]}>{t.activation.states[activation.codeState]}</StatusBadge>
                {activation.codeState === 'unused' && <span className="cell-note">{t.activation.attemptsLeft(activation.attemptsLeft)}</span>}
              </td>
              <td data-label={t.activation.code}>
                {activation.code ? (
                  <>
                    <code className="activation-code" data-testid="activation-code">
                      {groupCode(activation.code)}
                    </code>
                    {activation.codeExpiresAt && <span className="cell-note">{t.activation.validUntil(format.dateTime(activation.codeExpiresAt))}</span>}
                    {own && <span className="cell-note">{t.activation.ownDevice}</span>}
                  </>
                ) : (
                  <span className="muted">{t.activation.notShown}</span>
                )}
              </td>
              <td data-label={t.activation.actions}>
                {activation.code && (
                  <CopyButton value={activation.code} label={t.activation.rowAction(t.activation.copyCode, activation.deviceName, activation.user.displayName)} />
                )}
                {canGenerate && (
                  <button
                    type="button"
                    className="button-primary button-small"
                    onClick={() => void generate(activation)}
                    disabled={busyId === activation.enrolmentId}
                    aria-label={t.activation.rowAction(generateText, activation.deviceName, activation.user.displayName)}
                  >
                    {generateText}
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </ResponsiveTable>
    </>
  );
}
