// Per-notebook state: the last analysis of the saved file, the role badges on code cells and the
// inline markers of diagnostics.
import { Cell, CodeCell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';

import { api, ICellInfo, ICheck, IDiagnostic } from './api';
import { ILineMark, markLines } from './lines';
import { roleOf, STEP_ROLES } from './roles';

export type PickRole = (cell: Cell, anchor: HTMLElement) => void;

export class NotebookState {
  constructor(
    readonly panel: NotebookPanel,
    private pickRole: PickRole
  ) {
    panel.context.saveState.connect((_, state) => {
      if (state === 'completed') {
        void this.refresh();
      }
    });
    panel.context.ready.then(() => {
      panel.content.model?.cells.changed.connect(() => this.schedule());
      panel.content.cellInViewportChanged.connect(() => this.schedule());
      this.schedule();
      void this.refresh();
    });
  }

  check: ICheck | null = null;
  error = '';
  busy = false;

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get path(): string {
    return this.panel.context.path;
  }

  /** Save if there are unsaved changes (etlnb acts on the saved file), then analyse. */
  async saveAndCheck(): Promise<void> {
    if (this.panel.context.model.dirty) {
      await this.panel.context.save(); // the save signal runs refresh()
      return;
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    this.busy = true;
    this._changed.emit();
    try {
      this.check = await api<ICheck>(`check?path=${encodeURIComponent(this.path)}`);
      this.error = '';
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.busy = false;
    }
    this.render();
    this._changed.emit();
  }

  schedule(): void {
    if (this._scheduled) {
      return;
    }
    this._scheduled = true;
    requestAnimationFrame(() => {
      this._scheduled = false;
      this.render();
    });
  }

  /** The cell widget a diagnostic or graph node names: by id first, else by index. */
  cellFor(index: number | null, id: string | null): Cell | null {
    const widgets = this.panel.content.widgets;
    if (id) {
      const found = widgets.find(w => w.model.id === id);
      if (found) {
        return found;
      }
    }
    return index !== null && index >= 0 && index < widgets.length ? widgets[index] : null;
  }

  /** Make `cell` the active cell, scroll to it and put the cursor on `line` (1-based) selected. */
  async select(cell: Cell, line: number | null): Promise<void> {
    const notebook = this.panel.content;
    const index = notebook.widgets.indexOf(cell);
    if (index < 0) {
      return;
    }
    notebook.activeCellIndex = index;
    notebook.deselectAll();
    await notebook.scrollToCell(cell, 'center');
    const editor = cell.editor;
    if (editor && line) {
      const lines = cell.model.sharedModel.getSource().split('\n');
      const row = Math.min(Math.max(line - 1, 0), lines.length - 1);
      notebook.mode = 'edit';
      editor.setSelection({ start: { line: row, column: 0 }, end: { line: row, column: lines[row].length } });
      editor.focus();
    }
  }

  private infoFor(cell: Cell, index: number): ICellInfo | undefined {
    const cells = this.check?.cells ?? [];
    return cells.find(c => c.id && c.id === cell.model.id) ?? cells.find(c => !c.id && c.index === index);
  }

  render(): void {
    const widgets = this.panel.content.widgets;
    const byCell = new Map<Cell, IDiagnostic[]>();
    for (const d of this.check?.diagnostics ?? []) {
      const cell = d.cell === null ? null : this.cellFor(d.cell, d.id);
      if (cell) {
        byCell.set(cell, [...(byCell.get(cell) ?? []), d]);
      }
    }
    widgets.forEach((cell, index) => {
      this.renderBadge(cell, index);
      const diagnostics = byCell.get(cell) ?? [];
      this.renderMarker(cell, diagnostics);
      this.renderLines(cell, index, diagnostics);
    });
  }

  /** Mapped lines and the lines diagnostics name, marked in the cell's editor. */
  private renderLines(cell: Cell, index: number, diagnostics: IDiagnostic[]): void {
    if (!(cell instanceof CodeCell)) {
      return;
    }
    const marks: ILineMark[] = [];
    const info = this.infoFor(cell, index);
    if (info && info.role === roleOf(cell.model)) {
      for (const m of info.mapped) {
        marks.push({
          line: m.line,
          className: 'etlnb-line-mapped',
          title: `etlnb: ${m.func}() mapped over ${m.iterable} (one task per item, concurrently)`
        });
      }
    }
    for (const d of diagnostics) {
      if (d.line) {
        marks.push({ line: d.line, className: `etlnb-line-${d.severity}`, title: `etlnb: ${d.message}` });
      }
    }
    if (!markLines(cell, marks)) {
      this.retry();
    }
  }

  private renderBadge(cell: Cell, index: number): void {
    let row = cell.node.querySelector(':scope > .etlnb-badges') as HTMLElement | null;
    if (!(cell instanceof CodeCell)) {
      row?.remove();
      return;
    }
    if (!this._watched.has(cell.model)) {
      this._watched.add(cell.model);
      cell.model.metadataChanged.connect(() => this.schedule());
    }
    // cells build their DOM lazily (notebook windowing): wait until the input is there
    const wrapper = cell.node.querySelector(':scope > .jp-Cell-inputWrapper');
    if (!wrapper) {
      this.retry();
      return;
    }
    if (!row) {
      row = document.createElement('div');
      row.className = 'etlnb-badges';
    }
    if (row.nextElementSibling !== wrapper) {
      cell.node.insertBefore(row, wrapper);
    }
    const role = roleOf(cell.model);
    const info = this.infoFor(cell, index);
    const key = JSON.stringify([role, info ?? null]);
    if (row.dataset.key === key) {
      return; // unchanged: keep the DOM (and any click on it) as it is
    }
    row.dataset.key = key;
    row.replaceChildren();
    const badge = document.createElement('button');
    badge.className = `etlnb-badge etlnb-role-${role}`;
    badge.dataset.role = role;
    badge.title =
      role === 'conflict'
        ? 'two role tags: etlnb refuses this cell; click to give it one role'
        : 'etlnb role (from the cell tags): click to change';
    badge.textContent = role === 'conflict' ? 'conflicting roles' : role;
    badge.onclick = event => {
      event.stopPropagation();
      this.pickRole(cell, badge);
    };
    row.appendChild(badge);
    // names only when the saved analysis still describes this role (tags may have just changed)
    if (info && info.role === role && (STEP_ROLES.includes(role) || role === 'parameters')) {
      if (info.reads.length) {
        row.appendChild(span('etlnb-reads', `reads ${info.reads.join(', ')}`));
      }
      if (info.writes.length) {
        row.appendChild(span('etlnb-writes', `writes ${info.writes.join(', ')}`));
      }
      for (const m of info.mapped) {
        const mapped = span('etlnb-mapped', `line ${m.line}: ${m.func}() mapped over ${m.iterable}`);
        mapped.title = 'a mapped task: runs once per item, concurrently';
        row.appendChild(mapped);
      }
    }
  }

  private renderMarker(cell: Cell, diagnostics: IDiagnostic[]): void {
    const existing = cell.node.querySelector(':scope > .etlnb-marker') as HTMLElement | null;
    const key = JSON.stringify(diagnostics);
    if (existing && existing.dataset.key === key) {
      return;
    }
    existing?.remove();
    cell.node.classList.toggle('etlnb-has-error', diagnostics.some(d => d.severity === 'error'));
    cell.node.classList.toggle('etlnb-has-warning', diagnostics.some(d => d.severity === 'warning'));
    if (!diagnostics.length) {
      return;
    }
    const marker = document.createElement('div');
    marker.className = 'etlnb-marker';
    marker.dataset.key = key;
    for (const d of diagnostics) {
      const item = document.createElement('div');
      item.className = `etlnb-marker-item etlnb-${d.severity}`;
      item.textContent = `${d.severity === 'error' ? '✖' : '⚠'} ${d.line ? `line ${d.line}: ` : ''}${d.message}`;
      if (d.hint) {
        item.appendChild(span('etlnb-hint', ` (${d.hint})`));
      }
      item.onclick = () => void this.select(cell, d.line);
      marker.appendChild(item);
    }
    const wrapper = cell.node.querySelector(':scope > .jp-Cell-inputWrapper');
    if (!wrapper) {
      this.retry();
      return;
    }
    cell.node.insertBefore(marker, wrapper.nextSibling);
  }

  private retry(): void {
    // a few tries; cells windowed out of view are rendered when cellInViewportChanged fires
    if (!this._retrying && this._retries < 20) {
      this._retrying = true;
      this._retries += 1;
      setTimeout(() => {
        this._retrying = false;
        this.schedule();
      }, 300);
    }
  }

  private _retrying = false;
  private _retries = 0;
  private _changed = new Signal<this, void>(this);
  private _scheduled = false;
  private _watched = new WeakSet<object>();
}

export function span(className: string, text: string): HTMLSpanElement {
  const node = document.createElement('span');
  node.className = className;
  node.textContent = text;
  return node;
}
