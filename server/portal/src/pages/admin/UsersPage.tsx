import { useState, type FormEvent } from 'react';
import { MAX_DEVICES_PER_USER, type CreatedUserResponseT, type CreateUserBodyT, type UserViewT } from '../../../../../protocol/schemas';
import { api } from '../../api/client';
import { Alert, Breadcrumb, CopyButton, ErrorAlert, Field, Loaded, PageTitle, ResponsiveTable, StatusBadge } from '../../components/ui';
import { useLoad } from '../../hooks/useLoad';
import { useRowAction, useSubmit } from '../../hooks/useSubmit';
import { useI18n } from '../../i18n/I18nProvider';
import { useActiveSession } from '../../session';

const IDENTIFIER_PATTERN = /^[A-Za-z0-9._-]{3,64}$/;
type NewUserRole = NonNullable<CreateUserBodyT['role']>;

export function UsersPage() {
  const { t } = useI18n();
  const users = useLoad((signal) => api.call('listUsers', { signal }));
  const [created, setCreated] = useState<CreatedUserResponseT | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <div className="page">
      <Breadcrumb label={t.common.breadcrumb} items={[t.nav.administration, t.users.title]} />
      <PageTitle title={t.users.title}>{t.users.title}</PageTitle>
      <p className="lead">{t.users.intro}</p>

      {created ? (
        <CreatedUser created={created} onDismiss={() => setCreated(null)} />
      ) : (
        <CreateUserForm
          onCreated={(result) => {
            setCreated(result);
            setNotice(null);
            void users.reload();
          }}
        />
      )}

      <section aria-labelledby="users-list">
        <h2 id="users-list">{t.users.listTitle}</h2>
        {notice && <Alert tone="success">{notice}</Alert>}
        <Loaded load={users.state} retry={() => void users.reload()}>
          {({ users: list }) => (
            <UsersTable
              users={list}
              onChanged={(updated, action) => {
                users.setData({ users: list.map((user) => (user.id === updated.id ? updated : user)) });
                setNotice(action === 'lock' ? t.users.locked(updated.displayName) : t.users.unlocked(updated.displayName));
              }}
            />
          )}
        </Loaded>
      </section>
    </div>
  );
}

function CreateUserForm({ onCreated }: { onCreated(result: CreatedUserResponseT): void }) {
  const { t } = useI18n();
  const [displayName, setDisplayName] = useState('');
  const [identifier, setIdentifier] = useState('');
  const [role, setRole] = useState<NewUserRole>('user');
  const { submitted, busy, error, submit: send, clearSubmitted } = useSubmit();
  const nameError = submitted && displayName.trim() === '' ? t.common.required : null;
  const identifierError = submitted && identifier.trim() !== '' && !IDENTIFIER_PATTERN.test(identifier.trim()) ? t.users.identifierHint : null;

  function submit(event: FormEvent) {
    const trimmedIdentifier = identifier.trim();
    return send(
      event,
      () =>
        displayName.trim() === '' || (trimmedIdentifier !== '' && !IDENTIFIER_PATTERN.test(trimmedIdentifier))
          ? null
          : api.call('createUser', { body: { displayName: displayName.trim(), role, ...(trimmedIdentifier ? { identifier: trimmedIdentifier } : {}) } }),
      (result) => {
        setDisplayName('');
        setIdentifier('');
        setRole('user');
        clearSubmitted();
        onCreated(result);
      },
    );
  }

  return (
    <section className="card" aria-labelledby="create-user">
      <h2 id="create-user">{t.users.createTitle}</h2>
      <form className="form" onSubmit={submit} noValidate>
        <div className="field-row">
          <Field label={t.users.displayName} error={nameError} className="field-grow">
            {(props) => <input {...props} name="displayName" value={displayName} onChange={(event) => setDisplayName(event.target.value)} autoComplete="off" required maxLength={80} />}
          </Field>
          <Field label={t.users.identifier} hint={identifierError ? undefined : t.users.identifierHint} error={identifierError} optional className="field-grow">
            {(props) => (
              <input {...props} name="identifier" value={identifier} onChange={(event) => setIdentifier(event.target.value)} autoComplete="off" autoCapitalize="off" spellCheck={false} maxLength={64} />
            )}
          </Field>
        </div>
        <fieldset className="inline-choices">
          <legend>{t.users.role}</legend>
          {(['user', 'admin'] as const).map((option) => (
            <label key={option} className="choice choice-inline">
              <input type="radio" name="role" value={option} checked={role === option} onChange={() => setRole(option)} />
              <span>{t.roles[option]}</span>
            </label>
          ))}
        </fieldset>
        <ErrorAlert error={error} />
        <div className="actions">
          <button type="submit" className="button-primary" disabled={busy}>
            {busy ? t.users.creating : t.users.create}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The identifier and temporary Secret Code, shown once: the server never shows the code again. */
function CreatedUser({ created, onDismiss }: { created: CreatedUserResponseT; onDismiss(): void }) {
  const { t } = useI18n();
  return (
    <section className="card card-highlight" aria-labelledby="created-user">
      <h2 id="created-user">{t.users.createdTitle}</h2>
      <Alert tone="warning">{t.users.createdWarning}</Alert>
      <dl className="details details-large">
        <dt>{t.users.displayName}</dt>
        <dd>{created.user.displayName}</dd>
        <dt>{t.users.createdIdentifier}</dt>
        <dd>
          <code className="secret-value" data-testid="created-identifier">
            {created.user.identifier}
          </code>{' '}
          <CopyButton value={created.user.identifier} label={t.users.copyIdentifier} />
        </dd>
        <dt>{t.users.createdSecret}</dt>
        <dd>
          <code className="secret-value" data-testid="created-secret">
            {created.temporarySecretCode}
          </code>{' '}
          <CopyButton value={created.temporarySecretCode} label={t.users.copySecret} />
        </dd>
      </dl>
      <div className="actions">
        <button type="button" className="button-primary" onClick={onDismiss}>
          {t.users.dismiss}
        </button>
      </div>
    </section>
  );
}

function UsersTable({ users, onChanged }: { users: UserViewT[]; onChanged(user: UserViewT, action: 'lock' | 'unlock'): void }) {
  const { t, format } = useI18n();
  const session = useActiveSession();
  const { busyId, error, run } = useRowAction();

  function toggle(user: UserViewT) {
    const action = user.status === 'active' ? 'lock' : 'unlock';
    return run(user.id, async () => {
      const { user: updated } = await api.call(action === 'lock' ? 'lockUser' : 'unlockUser', { params: { id: user.id } });
      onChanged(updated, action);
    });
  }

  return (
    <>
      <ErrorAlert error={error} />
      <ResponsiveTable caption={t.users.listTitle} columns={[t.users.name, t.users.identifier, t.users.role, t.users.status, t.users.devices, t.users.actions]}>
        {users.map((user) => {
          const self = user.id === session.holder.userId;
          return (
            <tr key={user.id} data-user={user.identifier}>
              <th scope="row" data-label={t.users.name}>
                {user.displayName}
                {self && <span className="muted"> ({t.common.you})</span>}
                <span className="cell-note">{format.date(user.createdAt)}</span>
              </th>
              <td data-label={t.users.identifier}>
                <code>{user.identifier}</code>
              </td>
              <td data-label={t.users.role}>{t.roles[user.role]}</td>
              <td data-label={t.users.status}>
                <StatusBadge tone={user.status === 'active' ? 'success' : 'danger'}>{t.users.statusLabel[user.status]}</StatusBadge>
                {user.mustChangeSecret && <span className="cell-note">{t.users.mustChangeSecret}</span>}
              </td>
              <td data-label={t.users.devices}>
                {user.activeDevices} / {MAX_DEVICES_PER_USER}
              </td>
              <td data-label={t.users.actions}>
                {!self && user.role !== 'primary_admin' && (
                  <button
                    type="button"
                    className={user.status === 'active' ? 'button-secondary button-small' : 'button-primary button-small'}
                    onClick={() => void toggle(user)}
                    disabled={busyId === user.id}
                    aria-label={user.status === 'active' ? t.users.lockLabel(user.displayName) : t.users.unlockLabel(user.displayName)}
                  >
                    {user.status === 'active' ? t.users.lock : t.users.unlock}
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
