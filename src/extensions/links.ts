import { PluginExtensionPoints, type PluginExtensionAddedLinkConfig } from '@grafana/data';
import { ROUTES } from '../pages/constants';
import { alertInstanceLink, type AlertInstanceContext } from './alertInstance';
import { exploreLink, type ExploreContext } from './explore';
import { panelMenuLink, type PanelMenuContext } from './panelMenu';
import {
  RESOURCE_ROW,
  spanOpenLink,
  spanSessionLink,
  traceHeaderOpenLink,
  traceHeaderSessionLink,
  type ResourceAttributesContext,
  type TraceViewHeaderContext,
} from './traceView';

/**
 * Every link the app adds to Grafana's extension points ("doors"). Each is declared in src/plugin.json
 * `extensions.addedLinks` with the same title, targets and description (Grafana refuses undeclared links and
 * matches declarations by title, so titles are unique). `path` is a fallback Grafana checks when registering;
 * configure() computes the real one from the context, or returns undefined to hide the link where it does not apply.
 */
type Configure<C> = (ctx: C | undefined) => { path: string } | undefined;

function link<C extends object>(
  title: string,
  description: string,
  target: string,
  configure: Configure<C>,
  extra: Partial<PluginExtensionAddedLinkConfig<C>> = {}
): PluginExtensionAddedLinkConfig<C> {
  return {
    title,
    description,
    targets: [target],
    path: ROUTES.sessions,
    icon: 'bug',
    configure: (ctx) => configure(ctx as C | undefined),
    ...extra,
  };
}

export const ADDED_LINKS: Array<PluginExtensionAddedLinkConfig<any>> = [
  link<AlertInstanceContext>(
    'Debug in Kong Debugger',
    "Open the Kong debug session this alert started, or start one pre-filled from its route, service and status code",
    PluginExtensionPoints.AlertInstanceAction,
    alertInstanceLink
  ),
  link<TraceViewHeaderContext>(
    'Open trace in Kong Debugger',
    "Open this Kong trace in Kong Debugger's trace page (summary, spans, logs)",
    PluginExtensionPoints.TraceViewHeaderActions,
    traceHeaderOpenLink
  ),
  link<TraceViewHeaderContext>(
    'Debug this Kong route',
    'Start a Kong debug session for the route (or service) this trace went through',
    PluginExtensionPoints.TraceViewHeaderActions,
    traceHeaderSessionLink
  ),
  link<ResourceAttributesContext>(
    'Open span in Kong Debugger',
    "Open this Kong span in Kong Debugger's trace page",
    PluginExtensionPoints.TraceViewResourceAttributes,
    spanOpenLink,
    { category: RESOURCE_ROW }
  ),
  link<ResourceAttributesContext>(
    'Start a Kong debug session for this route',
    "Start a Kong debug session for this span's route (or service)",
    PluginExtensionPoints.TraceViewResourceAttributes,
    spanSessionLink,
    { category: RESOURCE_ROW }
  ),
  link<ExploreContext>(
    'Open in Kong Debugger',
    "Open this trace in Kong Debugger's trace page",
    PluginExtensionPoints.ExploreToolbarAction,
    exploreLink
  ),
  link<PanelMenuContext>(
    'Open in Kong Debugger app',
    'Open what this panel shows (trace, session) in the Kong Debugger app',
    PluginExtensionPoints.DashboardPanelMenu,
    panelMenuLink
  ),
];
