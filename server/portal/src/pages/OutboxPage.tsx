import { api } from '../api/client';
import { Alert, Loaded, PageTitle, ResponsiveTable, StatusBadge } from '../components/ui';
import { useLoad } from '../hooks/useLoad';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';

const REFRESH_MS = 3_000;

/** Development tool: the SMS and voice messages the demo server "sent", so a person trying it can read the codes. */
export function OutboxPage() {
  const { t, format } = useI18n();
  const outbox = useLoad((signal) => api.call('devOutbox', { signal }), { everyMs: REFRESH_MS });
  const messages =
    outbox.state.status === 'ready' ? [...outbox.state.data.messages].sort((a, b) => Date.parse(b.at) - Date.parse(a.at)) : [];

  return (
    <div className="page">
      <p>
        <StatusBadge tone="pending">{t.outbox.badge}</StatusBadge>
      </p>
      <PageTitle title={`${t.outbox.title} (${t.outbox.badge})`}>{t.outbox.title}</PageTitle>
      <Alert tone="warning">{t.outbox.intro}</Alert>
      <Loaded load={outbox.state} retry={() => void outbox.reload()}>
        {() =>
          messages.length === 0 ? (
            <p className="card card-muted">{t.outbox.empty}</p>
          ) : (
            <ResponsiveTable caption={t.outbox.title} columns={[t.outbox.at, t.outbox.channel, t.outbox.to, t.outbox.purpose, t.outbox.text]} className="outbox">
              {messages.map((message) => (
                <tr key={message.id} data-purpose={message.purpose}>
                  <td data-label={t.outbox.at} className="nowrap">
                    {format.time(message.at)}
                  </td>
                  <td data-label={t.outbox.channel}>{t.outbox.channels[message.channel]}</td>
                  <td data-label={t.outbox.to}>{message.to}</td>
                  <td data-label={t.outbox.purpose}>{t.outbox.purposes[message.purpose]}</td>
                  <td data-label={t.outbox.text} className="outbox-text">
                    {message.text}
                  </td>
                </tr>
              ))}
            </ResponsiveTable>
          )
        }
      </Loaded>
      <p className="muted small">{t.common.autoRefreshed(REFRESH_MS / 1000)}</p>
      <p>
        <Link to={PATHS.home}>{t.outbox.back}</Link>
      </p>
    </div>
  );
}
