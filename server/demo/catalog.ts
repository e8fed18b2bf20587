/**
 * The demo gateway's configuration: services, routes and plugins with fixed UUIDs, so that a
 * debug session's basic rule (route / service ids) can target them from the quick start.
 */

export interface DemoService {
  id: string;
  name: string;
  host: string;
  port: number;
  protocol: 'http' | 'https';
  /** IPs of the upstream targets (the balancer tries them in order) */
  targets: ReadonlyArray<string>;
  /** upstream response time range in ms (time to first byte) */
  ttfbMs: readonly [number, number];
}

export interface DemoRoute {
  id: string;
  name: string;
  path: string;
  serviceId: string;
  serviceName: string;
}

export type Phase = 'rewrite' | 'access' | 'header_filter' | 'body_filter';

export interface DemoPlugin {
  id: string;
  name: string;
  /** Kong's handler PRIORITY: higher runs first within a phase */
  priority: number;
  phases: ReadonlyArray<Phase>;
  /** absent = global plugin */
  routeId?: string;
}

export const DEMO_SERVICES: ReadonlyArray<DemoService> = [
  { id: '5f6c0b1e-2a4d-4c3b-9e8f-1a2b3c4d5e01', name: 'orders', host: 'orders.internal', port: 8080, protocol: 'http', targets: ['10.0.3.21', '10.0.3.22'], ttfbMs: [8, 45] },
  { id: '5f6c0b1e-2a4d-4c3b-9e8f-1a2b3c4d5e02', name: 'catalog', host: 'catalog.internal', port: 8081, protocol: 'http', targets: ['10.0.5.11', '10.0.5.12'], ttfbMs: [3, 25] },
  { id: '5f6c0b1e-2a4d-4c3b-9e8f-1a2b3c4d5e03', name: 'payments', host: 'payments.internal', port: 9443, protocol: 'https', targets: ['10.0.6.30'], ttfbMs: [20, 90] },
  { id: '5f6c0b1e-2a4d-4c3b-9e8f-1a2b3c4d5e04', name: 'reports', host: 'reports.internal', port: 8090, protocol: 'http', targets: ['10.0.7.40', '10.0.7.41'], ttfbMs: [300, 1500] },
];

const svc = (name: string): DemoService => {
  const s = DEMO_SERVICES.find((x) => x.name === name);
  if (!s) throw new Error(`unknown demo service ${name}`);
  return s;
};

const route = (id: string, name: string, path: string, service: string): DemoRoute => ({
  id,
  name,
  path,
  serviceId: svc(service).id,
  serviceName: service,
});

export const DEMO_ROUTES: ReadonlyArray<DemoRoute> = [
  route('a1e0c3d2-7b6a-4f59-8e4d-3c2b1a0f9e01', 'orders-api', '/orders', 'orders'),
  route('a1e0c3d2-7b6a-4f59-8e4d-3c2b1a0f9e02', 'orders-admin', '/admin/orders', 'orders'),
  route('a1e0c3d2-7b6a-4f59-8e4d-3c2b1a0f9e03', 'catalog-api', '/catalog', 'catalog'),
  route('a1e0c3d2-7b6a-4f59-8e4d-3c2b1a0f9e04', 'search-api', '/search', 'catalog'),
  route('a1e0c3d2-7b6a-4f59-8e4d-3c2b1a0f9e05', 'payments-api', '/payments', 'payments'),
  route('a1e0c3d2-7b6a-4f59-8e4d-3c2b1a0f9e06', 'reports-api', '/reports', 'reports'),
];

const R = Object.fromEntries(DEMO_ROUTES.map((r) => [r.name, r.id]));

// Priorities are Kong's bundled handler priorities; ext-authz is an invented custom plugin
// (as in the shared fixture) that makes an HTTP call, to show kong.internal.request + DNS.
export const DEMO_PLUGINS: ReadonlyArray<DemoPlugin> = [
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a01', name: 'pre-function', priority: 1000000, phases: ['rewrite', 'access'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a02', name: 'correlation-id', priority: 100001, phases: ['access', 'header_filter'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a03', name: 'opentelemetry', priority: 14, phases: ['access', 'header_filter'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a10', name: 'key-auth', priority: 1250, phases: ['access'], routeId: R['orders-api'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a11', name: 'rate-limiting', priority: 910, phases: ['access'], routeId: R['orders-api'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a12', name: 'key-auth', priority: 1250, phases: ['access'], routeId: R['orders-admin'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a13', name: 'request-transformer', priority: 801, phases: ['access'], routeId: R['orders-admin'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a14', name: 'cors', priority: 2000, phases: ['access', 'header_filter'], routeId: R['catalog-api'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a15', name: 'response-transformer', priority: 800, phases: ['header_filter', 'body_filter'], routeId: R['catalog-api'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a16', name: 'rate-limiting', priority: 910, phases: ['access'], routeId: R['search-api'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a17', name: 'key-auth', priority: 1250, phases: ['access'], routeId: R['payments-api'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a18', name: 'ext-authz', priority: 1100, phases: ['access'], routeId: R['payments-api'] },
  { id: '0b6e2c1a-91d3-4a55-8b1e-6f0c7d2e3a19', name: 'response-transformer', priority: 800, phases: ['header_filter', 'body_filter'], routeId: R['reports-api'] },
];

export function serviceOf(r: DemoRoute): DemoService {
  return svc(r.serviceName);
}

/** Plugins that run for a route (undefined = no route matched: only globals), in priority order. */
export function pluginsFor(routeId: string | undefined, phase: Phase): DemoPlugin[] {
  return DEMO_PLUGINS.filter((p) => p.phases.includes(phase) && (p.routeId === undefined || p.routeId === routeId)).sort(
    (a, b) => b.priority - a.priority,
  );
}

/** The two demo nodes: an OSS data plane and an Enterprise one (for the 'mixed' dialect). */
export const DEMO_NODES = {
  oss: { instanceId: '8a6d1f3e-52b4-4c1e-9f0a-7d2b6c9e41a5', version: '3.9.1' },
  enterprise: { instanceId: '3c1f7a92-0d4e-4b8a-a6c5-e2f9b0d1c7a3', version: '3.10.0.0' },
} as const;
