/**
 * The alert door's landing page, `/a/<app>/alert?rule=&labels=&route=&service=&code=` (built by
 * src/extensions/alertInstance.ts): Grafana's link cannot ask the server, so this page does. It lists the sessions
 * of the alert's rule (`?alertRule=`; all the tenant's sessions for rules without a uid), picks the one this alert
 * instance started (src/extensions/alertSession.ts) and replaces itself with that session's page, else with the
 * New session form pre-filled from the alert's Kong labels.
 */
import React from 'react';
import { locationService } from '@grafana/runtime';
import { SceneComponentProps, SceneObjectBase, SceneObjectState } from '@grafana/scenes';
import { Alert, LinkButton, LoadingPlaceholder, Stack } from '@grafana/ui';
import { pickAlertSession, readAlertLink, type AlertLink } from '../../extensions/alertSession';
import { newSessionPath, sessionPath } from '../../extensions/paths';
import { ROUTES } from '../constants';
import { errorMessage } from '../useDebuggerApi';
import { DsInfo, actionsApi } from './dataSource';

interface AlertLandingState extends SceneObjectState {
  ds: DsInfo;
  /** set when the lookup failed: the page then offers both ways on */
  error?: string;
  link?: AlertLink;
}

export class AlertLanding extends SceneObjectBase<AlertLandingState> {
  static Component = AlertLandingRenderer;

  constructor(state: AlertLandingState) {
    super(state);
    this.addActivationHandler(() => {
      let active = true;
      this.resolve(() => active);
      // a late answer must not navigate away from wherever the user went meanwhile
      return () => {
        active = false;
      };
    });
  }

  private async resolve(active: () => boolean) {
    const { link, error } = readAlertLink(locationService.getLocation().search);
    this.setState({ link, error: undefined });
    if (error) {
      this.setState({ error });
      return;
    }
    try {
      const api = await actionsApi(this.state.ds);
      const sessions = await api.listSessions(link.rule ? { alertRule: link.rule } : {});
      if (!active()) {
        return;
      }
      const found = pickAlertSession(sessions, link);
      locationService.replace(found ? sessionPath(found.id) : newSessionPath(link.prefill ?? {}));
    } catch (e) {
      if (active()) {
        this.setState({ error: `Could not look up the sessions this alert started: ${errorMessage(e)}` });
      }
    }
  }
}

function AlertLandingRenderer({ model }: SceneComponentProps<AlertLanding>) {
  const { error, link } = model.useState();
  if (!error) {
    return <LoadingPlaceholder text="Finding the session this alert started…" />;
  }
  return (
    <Alert severity="error" title="Alert's session not found">
      <p>{error}</p>
      <Stack direction="row" gap={1}>
        <LinkButton variant="secondary" icon="list-ul" href={ROUTES.sessions}>
          All sessions
        </LinkButton>
        <LinkButton icon="plus" href={newSessionPath(link?.prefill ?? {})}>
          {link?.prefill ? 'New session for this alert' : 'New session'}
        </LinkButton>
      </Stack>
    </Alert>
  );
}
