import { useState } from 'react';
import type { Language, Settings } from '../../preload/contract';
import { ErrorAlert, ScreenTitle } from '../components/common';
import { DICTIONARIES, useI18n } from '../i18n';
import { useApp } from '../state';

/** Screen 10: language, start at login, notifications; about: version, server, the policy in force. */
export function SettingsScreen() {
  const { snapshot, announce, applySettings } = useApp();
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  // What the person just chose, shown at once while the core saves it (the settings event follows).
  const [draft, setDraft] = useState<Partial<Settings>>({});
  const settings = { ...snapshot.settings, ...draft };
  const { appInfo } = snapshot;
  const { policy } = appInfo;
  const startAtLoginByPolicy = policy.startAtLogin !== null;
  const serverUrl = policy.serverUrl && policy.serverUrlLocked ? policy.serverUrl : settings.defaultServerUrl;

  const update = async (change: Partial<Settings>) => {
    setError(null);
    setDraft((current) => ({ ...current, ...change }));
    try {
      const saved = await window.secureAccess.updateSettings(change);
      applySettings(saved);
      announce(DICTIONARIES[saved.language].settings.saved);
    } catch (caught) {
      setError(caught);
    } finally {
      setDraft((current) => {
        const rest = { ...current };
        for (const key of Object.keys(change) as Array<keyof Settings>) delete rest[key];
        return rest;
      });
    }
  };

  const yesNo = (value: boolean | null) => (value === null ? t.settings.notSet : value ? t.settings.yes : t.settings.no);

  return (
    <div className="stack">
      <ScreenTitle>{t.settings.title}</ScreenTitle>
      <ErrorAlert error={error} />
      <section className="card" aria-labelledby="settings-general">
        <h2 id="settings-general">{t.settings.general}</h2>
        <fieldset className="choices choices-inline">
          <legend>{t.settings.language}</legend>
          {(['fr', 'en'] as const satisfies readonly Language[]).map((language) => (
            <label key={language} className="choice" lang={language}>
              <input type="radio" name="language" value={language} checked={settings.language === language} onChange={() => void update({ language })} />
              <span>{DICTIONARIES[language].languageName}</span>
            </label>
          ))}
        </fieldset>
        <label className="toggle">
          <input
            type="checkbox"
            checked={startAtLoginByPolicy ? Boolean(policy.startAtLogin) : settings.startAtLogin}
            disabled={startAtLoginByPolicy}
            aria-describedby={startAtLoginByPolicy ? 'start-at-login-policy' : undefined}
            onChange={(event) => void update({ startAtLogin: event.target.checked })}
          />
          <span>{t.settings.startAtLogin}</span>
        </label>
        {startAtLoginByPolicy ? <p className="hint" id="start-at-login-policy">{t.settings.byPolicy}</p> : null}
        <label className="toggle">
          <input type="checkbox" checked={settings.notifications} onChange={(event) => void update({ notifications: event.target.checked })} />
          <span>{t.settings.notifications}</span>
        </label>
      </section>
      <section className="card" aria-labelledby="settings-about">
        <h2 id="settings-about">{t.settings.about}</h2>
        <dl className="facts facts-compact">
          <div>
            <dt>{t.settings.version}</dt>
            <dd>{appInfo.version}</dd>
          </div>
          <div>
            <dt>{t.settings.platform}</dt>
            <dd>{t.settings.platforms[appInfo.platform]}</dd>
          </div>
          <div>
            <dt>{t.settings.server}</dt>
            <dd>
              <span className="mono">{serverUrl || t.settings.notSet}</span>
            </dd>
          </div>
        </dl>
        <h3>{t.settings.policy}</h3>
        {policy.source === null ? (
          <p className="muted">{t.settings.noPolicy}</p>
        ) : (
          <dl className="facts facts-compact">
            <div>
              <dt>{t.settings.policySource}</dt>
              <dd className="mono">{policy.source}</dd>
            </div>
            <div>
              <dt>{t.settings.policyServer}</dt>
              <dd>
                <span className="mono">{policy.serverUrl ?? t.settings.notSet}</span>
                {policy.serverUrl && policy.serverUrlLocked ? <span className="note">{t.settings.serverLocked}</span> : null}
              </dd>
            </div>
            <div>
              <dt>{t.settings.policyAdditionalServers}</dt>
              <dd>{yesNo(policy.allowAdditionalServers)}</dd>
            </div>
            <div>
              <dt>{t.settings.policyStartAtLogin}</dt>
              <dd>{yesNo(policy.startAtLogin)}</dd>
            </div>
            <div>
              <dt>{t.settings.policyUpdates}</dt>
              <dd>{yesNo(policy.updatesEnabled)}</dd>
            </div>
            <div>
              <dt>{t.settings.policyApprovalCodeMinLength}</dt>
              <dd>{t.settings.digits(policy.approvalCodeMinLength)}</dd>
            </div>
          </dl>
        )}
        {policy.errors.length > 0 ? (
          <div className="alert alert-warning">
            <p className="alert-title">{t.settings.policyErrors}</p>
            <ul>
              {policy.errors.map((problem) => <li key={problem} className="mono small">{problem}</li>)}
            </ul>
          </div>
        ) : null}
      </section>
    </div>
  );
}
