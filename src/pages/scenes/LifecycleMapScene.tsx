/** The lifecycle map (and latency breakdown) drawn from the data source's `summary` frames of this scene's data. */
import React from 'react';
import { SceneComponentProps, SceneObjectBase, SceneObjectState, sceneGraph } from '@grafana/scenes';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import { LifecycleMap } from '../../panels/lifecyclemap/LifecycleMap';
import { readLifecycleFrames, type MapNode } from '../../panels/lifecyclemap/model';

interface LifecycleMapSceneState extends SceneObjectState {
  /** the summary query's refId when the data holds other frames too */
  refId?: string;
  emptyText: string;
  selectedSpanId?: string;
  /** a plugin node with a span was clicked */
  onSelectSpan?: (spanId: string, node: MapNode) => void;
}

export class LifecycleMapScene extends SceneObjectBase<LifecycleMapSceneState> {
  static Component = LifecycleMapRenderer;
}

function LifecycleMapRenderer({ model }: SceneComponentProps<LifecycleMapScene>) {
  const { refId, emptyText, selectedSpanId, onSelectSpan } = model.useState();
  const { data } = sceneGraph.getData(model).useState();
  const series = data?.series.filter((f) => refId === undefined || f.refId === refId);
  const error = data?.errors?.find((e) => refId === undefined || e.refId === refId)?.message;
  if (error) {
    return (
      <Alert severity="error" title="Could not draw the summary">
        {error}
      </Alert>
    );
  }
  if (!data || data.state === 'Loading' && !series?.length) {
    return <LoadingPlaceholder text="Loading summary…" />;
  }
  const result = readLifecycleFrames(series);
  if (result.ok === 'empty') {
    return <p>{emptyText}</p>;
  }
  if (result.ok === false) {
    return (
      <Alert severity="error" title="Could not draw the summary">
        {result.error}
      </Alert>
    );
  }
  return (
    <LifecycleMap
      view={result.view}
      selectedSpanId={selectedSpanId}
      onSelectPlugin={onSelectSpan ? (node) => node.spanId && onSelectSpan(node.spanId, node) : undefined}
    />
  );
}
