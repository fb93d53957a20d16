/**
 * The navigation, in order. Adding a screen = one entry here plus its component: App renders the
 * list and routes #/<id> to the component.
 */
import type { Component } from 'svelte';
import DatasetView from './DatasetView.svelte';
import DrawView from './DrawView.svelte';
import EvaluateView from './EvaluateView.svelte';
import ExperimentsView from './ExperimentsView.svelte';
import ModelsView from './ModelsView.svelte';
import ModelView from './ModelView.svelte';
import RunsView from './RunsView.svelte';
import TrainView from './TrainView.svelte';

export interface ViewEntry {
  id: string;
  /** The accessible name of the navigation entry. */
  label: string;
  /** The Keras example step this screen stands for, shown as a hint. */
  keras: string;
  description: string;
  /** SVG path data on a 24x24 grid, stroked. */
  icon: string;
  component: Component;
}

export const VIEWS: ViewEntry[] = [
  {
    id: 'dataset',
    label: 'Dataset',
    keras: 'mnist.load_data()',
    description: 'The images the model learns from, and how each one is reformatted for it.',
    icon: 'M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h6v6h-6z',
    component: DatasetView,
  },
  {
    id: 'model',
    label: 'Model',
    keras: 'model.compile()',
    description: 'Layers, optimizer and training settings, with the summary Keras would print.',
    icon: 'M12 3 3 8l9 5 9-5-9-5zM3 12.5l9 5 9-5M3 17l9 5 9-5',
    component: ModelView,
  },
  {
    id: 'train',
    label: 'Train',
    keras: 'model.fit()',
    description: 'Fit the model and watch loss and accuracy as every batch goes by.',
    icon: 'M3 12h4l3-8 4 16 3-8h4',
    component: TrainView,
  },
  {
    id: 'evaluate',
    label: 'Evaluate',
    keras: 'model.evaluate()',
    description: 'How the trained model does on the 10,000 test images it has never seen.',
    icon: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zM8.5 12l2.5 2.5 4.5-5',
    component: EvaluateView,
  },
  {
    id: 'draw',
    label: 'Draw',
    keras: 'model.predict()',
    description: 'Draw a digit and see what the model reads, live.',
    icon: 'M4 20l1-4L16 5l3 3L8 19l-4 1zM14 7l3 3',
    component: DrawView,
  },
  {
    id: 'models',
    label: 'Models',
    keras: 'model.save()',
    description: 'Saved models: load, export, import or delete them.',
    icon: 'M3 7h18v13H3zM3 7l2-4h14l2 4M9 12h6',
    component: ModelsView,
  },
  {
    id: 'experiments',
    label: 'Experiments',
    keras: 'for units in sizes: fit()',
    description: "The example's closing question: test accuracy against the number of hidden units, swept and plotted.",
    icon: 'M4 4v16h16M7.5 15.5l3.5-4.5 3 2.5 4.5-6',
    component: ExperimentsView,
  },
  {
    id: 'runs',
    label: 'Runs',
    keras: 'history.history',
    description: 'Every training run, kept: overlay their curves, compare their settings, reuse them.',
    icon: 'M4 19h16M4 15l4-5 4 3 4-6 4 3M4 5v14',
    component: RunsView,
  },
];

export function viewFromHash(hash: string): ViewEntry {
  const id = hash.replace(/^#\/?/, '');
  return VIEWS.find((view) => view.id === id) ?? VIEWS[0];
}
