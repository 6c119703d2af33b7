import { api } from '../../api/client';
import { DeviceTable } from '../../components/DeviceTable';
import { Breadcrumb, Loaded, PageTitle, StatusBadge } from '../../components/ui';
import { useLoad } from '../../hooks/useLoad';
import { useI18n } from '../../i18n/I18nProvider';
import { useActiveSession, useSession } from '../../session';

export function DevicesPage() {
  const { t } = useI18n();
  const session = useActiveSession();
  const { refresh } = useSession();
  const company = useLoad((signal) => api.call('listCompanyDevices', { signal }));

  return (
    <div className="page">
      <Breadcrumb label={t.common.breadcrumb} items={[t.nav.administration, t.nav.security, t.devices.title]} />
      <PageTitle title={`${t.nav.security} › ${t.devices.title}`}>{t.devices.title}</PageTitle>
      <p className="lead">{t.devices.intro}</p>
      <Loaded load={company.state} retry={() => void company.reload()}>
        {({ users, maxDevices }) => (
          <>
            {users.map(({ user, devices }) => {
              const active = devices.filter((device) => device.status === 'active').length;
              const self = user.id === session.holder.userId;
              const headingId = `devices-of-${user.id}`;
              return (
                <section key={user.id} className="card" aria-labelledby={headingId} data-user={user.identifier}>
                  <div className="section-head">
                    <h2 id={headingId}>
                      {user.displayName}
                      {self && <span className="muted"> ({t.common.you})</span>} <code className="muted small">{user.identifier}</code>
                    </h2>
                    <p className="device-count">
                      <StatusBadge tone={active >= maxDevices ? 'danger' : active === 0 ? 'neutral' : 'success'}>{t.devices.count(active, maxDevices)}</StatusBadge>
                      {active >= maxDevices && <span className="cell-note">{t.devices.full}</span>}
                    </p>
                  </div>
                  <DeviceTable
                    devices={devices}
                    ownerName={self ? null : user.displayName}
                    caption={`${t.devices.title} · ${user.displayName}`}
                    revoke={(device) => api.call('revokeDevice', { params: { id: device.id } })}
                    rename={(device, name) => api.call('renameDevice', { params: { id: device.id }, body: { name } })}
                    onChanged={() => {
                      void company.reload();
                      // Revoking one's own last device sends oneself back to the installation step.
                      if (self) void refresh().catch(() => undefined);
                    }}
                  />
                </section>
              );
            })}
          </>
        )}
      </Loaded>
    </div>
  );
}
