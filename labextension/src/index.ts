// etlnb in JupyterLab: role badges and a role picker on code cells, and the "etlnb" side panel.
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { Cell } from '@jupyterlab/cells';
import { IMermaidManager } from '@jupyterlab/mermaid';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { Menu } from '@lumino/widgets';

import { NotebookState } from './notebook';
import { EtlnbPanel } from './panel';
import { roleOf, ROLES, setRole, UNTAGGED } from './roles';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
<g class="jp-icon3" fill="#616161"><circle cx="5" cy="6" r="3"/><circle cx="19" cy="6" r="3"/>
<circle cx="12" cy="18" r="3"/><path d="M6.5 8.2l4.2 7.3 1.7-1-4.2-7.3zM17.5 8.2l-4.2 7.3-1.7-1 4.2-7.3z"/></g></svg>`;

const CMD = {
  setRole: 'etlnb:set-role',
  pickRole: 'etlnb:pick-role',
  check: 'etlnb:check',
  panel: 'etlnb:open-panel'
};

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'etlnb:plugin',
  description: 'etlnb: cell roles as badges, a role picker, and a side panel to check, graph, run and deploy.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, IMermaidManager],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    mermaid: IMermaidManager | null
  ) => {
    const icon = new LabIcon({ name: 'etlnb:icon', svgstr: ICON_SVG });
    const states = new WeakMap<NotebookPanel, NotebookState>();
    const panel = new EtlnbPanel(mermaid);
    panel.title.icon = icon;
    app.shell.add(panel, 'left', { rank: 600 });

    const activeCell = (): Cell | null => tracker.currentWidget?.content.activeCell ?? null;

    const menu = new Menu({ commands: app.commands });
    menu.addClass('etlnb-role-menu');
    menu.title.label = 'etlnb role';
    for (const role of [...ROLES, UNTAGGED]) {
      menu.addItem({ command: CMD.setRole, args: { role } });
    }
    const pickRole = (cell: Cell, anchor: HTMLElement) => {
      const notebook = tracker.currentWidget?.content;
      if (notebook) {
        const index = notebook.widgets.indexOf(cell);
        if (index >= 0) {
          notebook.activeCellIndex = index;
          notebook.deselectAll();
        }
      }
      const box = anchor.getBoundingClientRect();
      menu.open(box.left, box.bottom);
    };

    // one state per notebook, made on first sight (currentChanged may come before widgetAdded)
    const stateFor = (nb: NotebookPanel): NotebookState => {
      let state = states.get(nb);
      if (!state) {
        state = new NotebookState(nb, pickRole);
        states.set(nb, state);
      }
      return state;
    };
    tracker.widgetAdded.connect((_, nb) => void stateFor(nb));
    tracker.currentChanged.connect((_, nb) => panel.setNotebook(nb ? stateFor(nb) : null));
    if (tracker.currentWidget) {
      panel.setNotebook(stateFor(tracker.currentWidget));
    }

    app.commands.addCommand(CMD.setRole, {
      label: args => (args.role === UNTAGGED ? 'untagged (no role tag)' : String(args.role)),
      caption: 'Set the etlnb role of the selected cells (writes metadata.tags, as the CLI reads them)',
      isToggled: args => {
        const cell = activeCell();
        return !!cell && cell.model.type === 'code' && roleOf(cell.model) === args.role;
      },
      isEnabled: () => activeCell()?.model.type === 'code',
      execute: args => {
        const notebook = tracker.currentWidget?.content;
        if (!notebook) {
          return;
        }
        const role = String(args.role);
        const cells = notebook.widgets.filter(w => notebook.isSelectedOrActive(w) && w.model.type === 'code');
        cells.forEach(cell => setRole(cell, role));
      }
    });
    app.commands.addCommand(CMD.pickRole, {
      label: 'etlnb: Set Cell Role…',
      caption: 'Pick the etlnb role of the active cell',
      isEnabled: () => activeCell()?.model.type === 'code',
      execute: () => {
        const cell = activeCell();
        const badge = cell?.node.querySelector('.etlnb-badge') as HTMLElement | null;
        if (cell && badge) {
          pickRole(cell, badge);
        }
      }
    });
    app.commands.addCommand(CMD.check, {
      label: 'etlnb: Check Notebook',
      execute: async () => {
        const nb = tracker.currentWidget;
        const state = nb ? stateFor(nb) : undefined;
        if (state) {
          app.shell.activateById(panel.id);
          await state.saveAndCheck();
        }
      }
    });
    app.commands.addCommand(CMD.panel, {
      label: 'etlnb: Open Side Panel',
      execute: () => app.shell.activateById(panel.id)
    });
    app.commands.addKeyBinding({
      command: CMD.pickRole,
      keys: ['Alt R'],
      selector: '.jp-Notebook.jp-mod-commandMode:not(.jp-mod-readWrite) :focus'
    });
    if (palette) {
      const category = 'etlnb';
      palette.addItem({ command: CMD.pickRole, category });
      palette.addItem({ command: CMD.check, category });
      palette.addItem({ command: CMD.panel, category });
      for (const role of [...ROLES, UNTAGGED]) {
        palette.addItem({ command: CMD.setRole, args: { role }, category: 'etlnb: set cell role' });
      }
    }
  }
};

export default plugin;
