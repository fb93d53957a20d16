/** Which view is on screen; it mirrors location.hash so back/forward and reloads work. */
export class Navigation {
  /** Id of the view on screen (see views/index.ts). */
  view = $state('dataset');

  /** Shows another view. */
  go(view: string): void {
    this.view = view;
    if (location.hash !== `#/${view}`) location.hash = `#/${view}`;
  }
}
