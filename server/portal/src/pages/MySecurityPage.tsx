import { useEffect } from 'react';
import { api } from '../api/client';
import { ChangeSecretForm } from '../components/ChangeSecretForm';
import { DeviceTable } from '../components/DeviceTable';
import { Alert, Loaded, PageTitle, StatusBadge } from '../components/ui';
import { useLoad } from '../hooks/useLoad';
import { useI18n } from '../i18n/I18nProvider';
import { useActiveSession, useSession } from '../session';

export function MySecurityPage() {
  const { t } = useI18n();
  const session = useActiveSession();
  const { apply, refresh } = useSession();
  const mine = useLoad((signal) => api.call('myDevices', { signal }));
  // The count of active devices comes with the session, read at login: devices activated, revoked or locked since
  // (approvals locked after wrong codes) would not show in it otherwise.
  useEffect(() => {
    void refresh().catch(() => undefined);
  }, [refresh]);

  return (
    <div className="page">
      <PageTitle title={t.mySecurity.title}>{t.mySecurity.title}</PageTitle>

      <section className="card" aria-labelledby="my-phone">
        <h2 id="my-phone">{t.mySecurity.phoneTitle}</h2>
        <p>{session.securityPhoneMasked ? t.mySecurity.phoneBody(session.securityPhoneMasked) : t.mySecurity.noPhone}</p>
      </section>

      <section className="card" aria-labelledby="my-devices">
        <div className="section-head">
          <h2 id="my-devices">{t.mySecurity.devicesTitle}</h2>
          <StatusBadge tone={session.activeDevices >= session.maxDevices ? 'danger' : 'success'}>{t.devices.count(session.activeDevices, session.maxDevices)}</StatusBadge>
        </div>
        <Loaded load={mine.state} retry={() => void mine.reload()}>
          {({ devices }) => {
            const locked = devices.filter((device) => device.status === 'locked');
            return (
              <>
                {locked.length > 0 && <Alert tone="warning">{t.mySecurity.lockedWarning(locked.map((device) => `«\u00a0${device.name}\u00a0»`).join(', '))}</Alert>}
                <DeviceTable
                  devices={devices}
                  ownerName={null}
                  caption={t.mySecurity.devicesTitle}
                  revoke={(device) => api.call('revokeMyDevice', { params: { id: device.id } })}
                  onChanged={() => {
                    void mine.reload();
                    void refresh().catch(() => undefined);
                  }}
                />
              </>
            );
          }}
        </Loaded>
        {session.activeDevices === 1 && <Alert tone="warning">{t.mySecurity.lastDeviceWarning}</Alert>}
        {session.activeDevices < 2 && <p>{t.mySecurity.advice}</p>}
        <p className="muted">{session.holder.role === 'primary_admin' ? t.mySecurity.addAdmin : t.mySecurity.addUser}</p>
      </section>

      <section className="card" aria-labelledby="my-secret">
        <h2 id="my-secret">{t.changeSecret.titleVoluntary}</h2>
        <ChangeSecretForm temporary={false} onChanged={apply} />
      </section>
    </div>
  );
}
