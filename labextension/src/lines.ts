// Line marks inside a cell's editor: mapped lines and the lines diagnostics name.
// A CodeMirror 6 state field holding line decorations, set by an effect (JupyterLab shares
// @codemirror/state and @codemirror/view as singletons, so these are the editor's own classes).
import { Cell } from '@jupyterlab/cells';
import { StateEffect, StateField } from '@codemirror/state';
import { Decoration, DecorationSet, EditorView } from '@codemirror/view';

export interface ILineMark {
  line: number; // 1-based
  className: string;
  title: string;
}

const setMarks = StateEffect.define<ILineMark[]>();

const marksField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(value, transaction) {
    value = value.map(transaction.changes);
    for (const effect of transaction.effects) {
      if (effect.is(setMarks)) {
        const doc = transaction.state.doc;
        const ranges = effect.value
          .filter(m => m.line >= 1 && m.line <= doc.lines)
          .sort((a, b) => a.line - b.line)
          .map(m =>
            Decoration.line({ class: m.className, attributes: { title: m.title } }).range(doc.line(m.line).from)
          );
        value = Decoration.set(ranges, true);
      }
    }
    return value;
  },
  provide: field => EditorView.decorations.from(field)
});

const injected = new WeakSet<object>();

/** Show `marks` in the cell's editor (replacing earlier ones); false when the editor is not there yet. */
export function markLines(cell: Cell, marks: ILineMark[]): boolean {
  const editor = cell.editor as any;
  const view: EditorView | undefined = editor?.editor;
  if (!editor || !view || typeof editor.injectExtension !== 'function') {
    return false;
  }
  if (!injected.has(editor)) {
    if (!marks.length) {
      return true;
    }
    editor.injectExtension(marksField);
    injected.add(editor);
  }
  const key = JSON.stringify(marks);
  if ((view as any)._etlnbMarks !== key) {
    (view as any)._etlnbMarks = key;
    view.dispatch({ effects: setMarks.of(marks) });
  }
  return true;
}
