import { useState, type FormEvent } from 'react';
import type { DeviceViewT } from '../../../../protocol/schemas';
import { useI18n } from '../i18n/I18nProvider';
import { Alert, ConfirmDialog, ErrorAlert, ResponsiveTable, StatusBadge } from './ui';

/**
 * A user's Secure Access devices, with revoke (always behind a confirmation) and, for administrators, rename.
 * The caller says how: the portal's own-device routes or the administration's.
 */
export function DeviceTable({
  devices,
  ownerName,
  caption,
  revoke,
  rename,
  onChanged,
}: {
  devices: DeviceViewT[];
  /** null for the person's own devices. */
  ownerName: string | null;
  caption: string;
  revoke(device: DeviceViewT): Promise<unknown>;
  rename?: (device: DeviceViewT, name: string) => Promise<unknown>;
  onChanged(): void;
}) {
  const { t, format } = useI18n();
  const [confirming, setConfirming] = useState<DeviceViewT | null>(null);
  const [renaming, setRenaming] = useState<DeviceViewT | null>(null);
  const [newName, setNewName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [dialogError, setDialogError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function confirmRevoke() {
    if (!confirming) return;
    setBusy(true);
    setDialogError(null);
    try {
      await revoke(confirming);
      setNotice(t.devices.revoked(confirming.name));
      setConfirming(null);
      onChanged();
    } catch (caught) {
      setDialogError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function submitRename(event: FormEvent) {
    event.preventDefault();
    if (!renaming || !rename) return;
    const name = newName.trim();
    if (name === '') {
      setError(null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await rename(renaming, name);
      setNotice(t.devices.renamed(name));
      setRenaming(null);
      onChanged();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  if (devices.length === 0) return <p className="muted">{t.devices.none}</p>;

  return (
    <>
      {notice && <Alert tone="success">{notice}</Alert>}
      <ErrorAlert error={error} />
      <ResponsiveTable caption={caption} columns={[t.devices.name, t.devices.platform, t.devices.activatedAt, t.devices.lastSeenAt, t.devices.status, t.devices.actions]}>
        {devices.map((device) => (
          <tr key={device.id} data-device-id={device.id} className={device.status === 'revoked' ? 'row-muted' : undefined}>
            <th scope="row" data-label={t.devices.name}>
              {renaming?.id === device.id ? (
                <form className="inline-form" onSubmit={submitRename}>
                  <label className="visually-hidden" htmlFor={`rename-${device.id}`}>
                    {t.devices.newName}
                  </label>
                  <input id={`rename-${device.id}`} value={newName} onChange={(event) => setNewName(event.target.value)} maxLength={64} required autoFocus />
                  <button type="submit" className="button-primary button-small" disabled={busy}>
                    {t.common.save}
                  </button>
                  <button type="button" className="button-secondary button-small" onClick={() => setRenaming(null)}>
                    {t.common.cancel}
                  </button>
                </form>
              ) : (
                device.name
              )}
            </th>
            <td data-label={t.devices.platform}>{t.devices.platforms[device.platform] ?? device.platform}</td>
            <td data-label={t.devices.activatedAt}>{format.shortDateTime(device.activatedAt)}</td>
            <td data-label={t.devices.lastSeenAt}>{device.lastSeenAt ? format.shortDateTime(device.lastSeenAt) : t.common.never}</td>
            <td data-label={t.devices.status}>
              <StatusBadge tone={device.status === 'active' ? 'success' : device.status === 'locked' ? 'danger' : 'neutral'}>{t.devices.statusLabel[device.status]}</StatusBadge>
              {device.revokedAt && <span className="cell-note">{t.devices.revokedOn(format.shortDateTime(device.revokedAt))}</span>}
              {device.status === 'locked' && device.lockedAt && <span className="cell-note">{t.devices.lockedOn(format.shortDateTime(device.lockedAt))}</span>}
              {device.status === 'active' && device.approvalCodeSetAt === null && <span className="cell-note">{t.devices.approvalCodeMissing}</span>}
            </td>
            <td data-label={t.devices.actions}>
              {device.status !== 'revoked' && renaming?.id !== device.id && (
                <span className="row-actions">
                  {rename && device.status === 'active' && (
                    <button
                      type="button"
                      className="button-secondary button-small"
                      aria-label={t.devices.renameLabel(device.name)}
                      onClick={() => {
                        setRenaming(device);
                        setNewName(device.name);
                        setNotice(null);
                      }}
                    >
                      {t.devices.rename}
                    </button>
                  )}
                  <button
                    type="button"
                    className="button-danger button-small"
                    aria-label={t.devices.revokeLabel(device.name)}
                    onClick={() => {
                      setConfirming(device);
                      setDialogError(null);
                      setNotice(null);
                    }}
                  >
                    {t.devices.revoke}
                  </button>
                </span>
              )}
            </td>
          </tr>
        ))}
      </ResponsiveTable>
      <ConfirmDialog
        open={confirming !== null}
        title={t.devices.confirmTitle}
        body={<p>{confirming ? t.devices.confirmBody(confirming.name, ownerName) : ''}</p>}
        confirmLabel={t.devices.confirm}
        busy={busy}
        error={dialogError}
        onConfirm={() => void confirmRevoke()}
        onCancel={() => setConfirming(null)}
      />
    </>
  );
}
