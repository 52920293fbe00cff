// The "etlnb" side panel for the current notebook: Check, Graph, Run on samples / Parity, Deploy.
import { IMermaidManager } from '@jupyterlab/mermaid';
import { Widget } from '@lumino/widgets';

import { api, follow, IJob, post } from './api';
import { NotebookState, span } from './notebook';

const STATUS_ICON: { [status: string]: string } = {
  pending: '○',
  running: '◔',
  ok: '✔',
  failed: '✖'
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

function button(label: string, className: string, onClick: () => void): HTMLButtonElement {
  const node = el('button', `jp-Button jp-mod-styled etlnb-button ${className}`, label);
  node.onclick = onClick;
  return node;
}

function section(title: string): { root: HTMLElement; body: HTMLElement; actions: HTMLElement } {
  const root = el('section', `etlnb-section etlnb-section-${title.toLowerCase()}`);
  const head = el('div', 'etlnb-section-head');
  head.appendChild(el('h3', '', title));
  const actions = el('div', 'etlnb-actions');
  head.appendChild(actions);
  const body = el('div', 'etlnb-section-body');
  root.append(head, body);
  return { root, body, actions };
}

export class EtlnbPanel extends Widget {
  constructor(private mermaid: IMermaidManager | null) {
    super();
    this.id = 'etlnb-panel';
    this.addClass('etlnb-panel');
    this.title.caption = 'etlnb: check, graph, run, deploy this notebook';
    this.header = el('div', 'etlnb-panel-header', 'open a notebook');
    this.node.appendChild(this.header);

    const check = section('Check');
    check.actions.appendChild(button('Check', 'etlnb-check-button', () => void this.state?.saveAndCheck()));
    this.checkBody = check.body;

    const graph = section('Graph');
    graph.actions.appendChild(button('Graph', 'etlnb-graph-button', () => void this.showGraph()));
    this.graphBody = graph.body;

    const run = section('Run');
    run.actions.append(
      button('Run on samples', 'etlnb-run-button', () => void this.run('flow')),
      button('Parity', 'etlnb-parity-button', () => void this.run('parity'))
    );
    this.runBody = run.body;

    const deploy = section('Deploy');
    this.deployBody = deploy.body;
    this.node.append(check.root, graph.root, run.root, deploy.root);
  }

  setNotebook(state: NotebookState | null): void {
    if (this.state === state) {
      return;
    }
    this.state?.changed.disconnect(this.update, this);
    this.state = state;
    state?.changed.connect(this.update, this);
    this.graphBody.replaceChildren();
    this.runBody.replaceChildren();
    this.deployBody.replaceChildren();
    void this.loadDeployFields();
    this.update();
  }

  /** Re-draw the header and the Check list from the notebook's last analysis. */
  update(): void {
    const state = this.state;
    this.header.textContent = state ? state.path : 'open a notebook to use etlnb';
    const body = this.checkBody;
    body.replaceChildren();
    if (!state) {
      return;
    }
    if (state.busy) {
      body.appendChild(el('div', 'etlnb-muted', 'checking the saved notebook…'));
      return;
    }
    if (state.error) {
      body.appendChild(el('div', 'etlnb-error-message', state.error));
      return;
    }
    const check = state.check;
    if (!check) {
      return;
    }
    if (!check.diagnostics.length) {
      body.appendChild(el('div', 'etlnb-ok', `✔ ok: ${check.tasks} tasks (flow ${check.flow})`));
      return;
    }
    const list = el('ul', 'etlnb-diagnostics');
    for (const d of check.diagnostics) {
      const item = el('li', `etlnb-diagnostic etlnb-${d.severity}`);
      const where = d.cell === null ? '' : `cell ${d.cell + 1}${d.line ? `, line ${d.line}` : ''}: `;
      item.appendChild(span('etlnb-where', where));
      item.appendChild(span('etlnb-message', d.message));
      if (d.hint) {
        item.appendChild(el('div', 'etlnb-hint', d.hint));
      }
      item.title = d.text;
      item.onclick = () => {
        const cell = state.cellFor(d.cell, d.id);
        if (cell) {
          void state.select(cell, d.line);
        }
      };
      list.appendChild(item);
    }
    body.appendChild(list);
  }

  private async showGraph(): Promise<void> {
    const state = this.state;
    if (!state) {
      return;
    }
    const body = this.graphBody;
    body.replaceChildren(el('div', 'etlnb-muted', 'drawing the graph…'));
    await state.saveAndCheck();
    const check = state.check;
    if (state.error || !check) {
      body.replaceChildren(el('div', 'etlnb-error-message', state.error || 'no analysis'));
      return;
    }
    if (!check.mermaid) {
      body.replaceChildren(el('div', 'etlnb-error-message', 'no graph: fix the errors Check lists first'));
      return;
    }
    if (!this.mermaid) {
      body.replaceChildren(el('pre', 'etlnb-mermaid-text', check.mermaid));
      return;
    }
    try {
      const { svg } = await this.mermaid.renderSvg(check.mermaid);
      const figure = el('div', 'etlnb-graph');
      // mermaid's own sanitised output (securityLevel strict in JupyterLab), parsed as SVG so
      // its doctype does not show as text; the nodes stay DOM elements a click can reach
      const parsed = new DOMParser().parseFromString(svg, 'image/svg+xml').documentElement;
      if (parsed.nodeName !== 'svg') {
        throw new Error(parsed.textContent || 'not an SVG');
      }
      figure.appendChild(document.importNode(parsed, true));
      const nodes = check.nodes ?? {};
      figure.querySelectorAll<SVGGElement>('g.node').forEach(node => {
        // mermaid names a flowchart node `flowchart-<key>-<n>`
        const match = /^(?:.*-)?flowchart-(.+)-\d+$/.exec(node.id);
        const target = match ? nodes[match[1]] : undefined;
        if (!target) {
          return;
        }
        node.classList.add('etlnb-node');
        node.dataset.key = match![1];
        node.style.cursor = 'pointer';
        node.addEventListener('click', () => {
          const cell = state.cellFor(target.cell, target.id);
          if (cell) {
            void state.select(cell, null);
          }
        });
      });
      body.replaceChildren(figure, el('div', 'etlnb-muted', 'click a step to go to its cell'));
    } catch (error) {
      body.replaceChildren(el('div', 'etlnb-error-message', `the graph did not render: ${error}`));
    }
  }

  private renderJob(body: HTMLElement, job: IJob, title: string): void {
    body.replaceChildren();
    const status = el('div', `etlnb-job-status etlnb-job-${job.status}`, `${title}: ${job.status}`);
    body.appendChild(status);
    // parity's verdict first, where the eye lands: red with the first difference, or "verified"
    if (job.kind === 'run-parity' && job.status === 'failed' && job.message) {
      body.appendChild(el('div', 'etlnb-error-message etlnb-parity-failed', job.message));
    } else if (job.kind === 'run-parity' && job.status === 'ok' && job.result?.verified) {
      body.appendChild(
        el('div', 'etlnb-ok etlnb-verified', `✔ verified: content ${job.result.verified} (deploy accepts it)`)
      );
    }
    if (job.steps.length) {
      const steps = el('ol', 'etlnb-steps');
      for (const step of job.steps) {
        const item = el('li', `etlnb-step etlnb-step-${step.status}`);
        item.dataset.step = step.name;
        item.append(span('etlnb-step-icon', STATUS_ICON[step.status] ?? '?'), span('etlnb-step-name', step.name));
        if (step.difference) {
          const detail = el('div', 'etlnb-step-difference', step.difference);
          if (step.why) {
            detail.appendChild(el('div', 'etlnb-step-why', step.why));
          }
          item.appendChild(detail);
          const state = this.state;
          const cell = state?.cellFor(step.cell ?? null, step.cell_id ?? null);
          if (state && cell) {
            item.classList.add('etlnb-step-link');
            item.title = 'go to the cell';
            item.onclick = () => void state.select(cell, null);
          }
        }
        steps.appendChild(item);
      }
      body.appendChild(steps);
    }
    if (job.message && !(job.kind === 'run-parity' && job.status === 'failed')) {
      body.appendChild(el('div', 'etlnb-error-message', job.message));
    }
    if (job.lines.length) {
      const details = el('details', 'etlnb-output');
      details.appendChild(el('summary', '', 'output'));
      details.appendChild(el('pre', '', job.lines.slice(-60).join('\n')));
      body.appendChild(details);
    }
  }

  private async run(mode: 'flow' | 'parity'): Promise<void> {
    const state = this.state;
    if (!state) {
      return;
    }
    const body = this.runBody;
    const title = mode === 'flow' ? 'run on samples' : 'parity';
    body.replaceChildren(el('div', 'etlnb-muted', `${title}: starting…`));
    try {
      await state.saveAndCheck();
      const job = await post<IJob>('run', { path: state.path, mode });
      await follow(job, j => this.renderJob(body, j, title));
      if (mode === 'parity') {
        void this.loadDeployFields(); // the Deploy form says whether this content is verified now
      }
    } catch (error) {
      body.replaceChildren(el('div', 'etlnb-error-message', (error as Error).message));
    }
  }

  private async loadDeployFields(): Promise<void> {
    const state = this.state;
    const body = this.deployBody;
    if (!state) {
      return;
    }
    let fields: any;
    try {
      await state.panel.context.ready;
      fields = await api<any>(`deploy/settings?path=${encodeURIComponent(state.path)}`);
    } catch (error) {
      body.replaceChildren(el('div', 'etlnb-error-message', (error as Error).message));
      return;
    }
    if (this.state !== state) {
      return;
    }
    // target = "prefect1": a Prefect 1 flow registered in a project; no work pool, the pool type picks
    // the run config (LocalRun or KubernetesRun)
    const prefect1 = fields.target === 'prefect1';
    const form = el('div', 'etlnb-deploy-form');
    if (prefect1) {
      form.appendChild(el('div', 'etlnb-muted etlnb-target', 'target prefect1: prefect build + prefect register'));
    }
    const inputs: { [name: string]: HTMLInputElement | HTMLSelectElement } = {};
    const field = (name: string, label: string, value: string, placeholder = '', disabled = false) => {
      const row = el('label', 'etlnb-field');
      row.appendChild(span('etlnb-field-label', label));
      const input = el('input', 'jp-mod-styled');
      input.name = name;
      input.value = value;
      input.placeholder = placeholder;
      input.disabled = disabled;
      row.appendChild(input);
      inputs[name] = input;
      form.appendChild(row);
      return row;
    };
    field('project', 'project', fields.project, '', true);
    if (!prefect1) {
      field('work_pool', 'work pool', fields.work_pool);
    }
    const typeRow = el('label', 'etlnb-field');
    typeRow.appendChild(span('etlnb-field-label', prefect1 ? 'run config' : 'pool type'));
    const select = el('select', 'jp-mod-styled');
    select.name = 'work_pool_type';
    for (const option of ['process', 'kubernetes']) {
      const label = prefect1 ? { process: 'LocalRun', kubernetes: 'KubernetesRun' }[option]! : option;
      const o = el('option', '', label);
      o.value = option;
      select.appendChild(o);
    }
    select.value = fields.work_pool_type;
    typeRow.appendChild(select);
    inputs.work_pool_type = select;
    form.appendChild(typeRow);
    // a process pool (Prefect 1: LocalRun) runs the flow in the worker's or agent's own Python: no image
    const imageRow = field('image', 'image', fields.image, fields.image_placeholder);
    const showImage = () => {
      imageRow.style.display = select.value === 'kubernetes' ? '' : 'none';
    };
    select.onchange = showImage;
    showImage();
    field('schedule', 'schedule', fields.schedule, 'cron or seconds');
    field('storage', 'storage', fields.storage, fields.storage_placeholder ?? '.etlnb/storage');
    // deploy requires a passing parity of the current content: say whether it has one, and offer to
    // deploy without (the deployment is then tagged "unverified")
    form.appendChild(
      el(
        'div',
        `etlnb-verification ${fields.verified ? 'etlnb-verification-yes' : 'etlnb-verification-no'}`,
        fields.verification ?? ''
      )
    );
    const unverifiedRow = el('label', 'etlnb-unverified');
    const unverified = el('input', 'etlnb-unverified-box');
    unverified.type = 'checkbox';
    unverified.name = 'unverified';
    unverifiedRow.append(unverified, span('', ' deploy unverified (no passing parity; tagged "unverified")'));
    form.appendChild(unverifiedRow);
    const progress = el('div', 'etlnb-deploy-progress');
    const deploy = button('Deploy', 'etlnb-deploy-button jp-mod-accept', async () => {
      deploy.disabled = true;
      const body: { [name: string]: string | boolean } = { path: state.path };
      for (const [name, input] of Object.entries(inputs)) {
        if (name !== 'image' || select.value === 'kubernetes') {
          body[name] = input.value;
        }
      }
      if (unverified.checked) {
        body.unverified = true;
      }
      try {
        await state.saveAndCheck();
        const job = await post<IJob>('deploy', body);
        const done = await follow(job, j => this.renderJob(progress, j, 'deploy'));
        if (done.status === 'ok') {
          progress.appendChild(this.deploySummary(done.result));
        }
      } catch (error) {
        progress.replaceChildren(el('div', 'etlnb-error-message', (error as Error).message));
      } finally {
        deploy.disabled = false;
      }
    });
    form.appendChild(deploy);
    body.replaceChildren(form, progress);
  }

  /** A Prefect 1 deploy: the registered flow, or (no Prefect 1 backend) the commands that register it. */
  private prefect1Summary(result: any): HTMLElement {
    const summary = el('div', 'etlnb-deploy-summary etlnb-prefect1');
    if (!result.registered) {
      summary.appendChild(
        el('div', 'etlnb-not-registered', 'not registered: no Prefect 1 backend is configured, so nothing was registered')
      );
      summary.appendChild(
        el(
          'div',
          'etlnb-muted etlnb-prefect1-written',
          `${result.script} (Prefect 1) is written; build it (uploads the script to the flow's storage) ` +
            "and register it with Prefect 1's CLI:"
        )
      );
      summary.appendChild(el('pre', 'etlnb-prefect1-commands', (result.commands ?? []).join('\n')));
      for (const note of result.notes ?? []) {
        summary.appendChild(el('div', 'etlnb-muted', note));
      }
    } else {
      const head = result.skipped
        ? `✔ Prefect 1 flow ${result.flow} is registered already with this exact metadata (prefect register skipped it)`
        : `✔ registered Prefect 1 flow ${result.flow} in project ${result.project}`;
      summary.appendChild(el('div', 'etlnb-ok', head));
      const table = el('table');
      const rows: [string, string][] = [['flow', result.flow], ['project', result.project]];
      if (!result.skipped) {
        rows.push(['flow id', result.flow_id], ['version', result.version]);
      }
      rows.push(
        ['script', result.script],
        ['code', result.storage],
        ['run config', result.run_config]
      );
      if (result.image) {
        rows.push(['image', result.image]);
      }
      rows.push(['labels', (result.labels ?? []).join(', ') || 'none']);
      for (const [key, value] of rows) {
        const tr = el('tr');
        tr.append(el('th', '', key), el('td', '', String(value ?? '')));
        table.appendChild(tr);
      }
      summary.appendChild(table);
    }
    summary.appendChild(el('div', 'etlnb-agent', result.agent));
    return summary;
  }

  private deploySummary(result: any): HTMLElement {
    if (result.target === 'prefect1') {
      return this.prefect1Summary(result);
    }
    const summary = el('div', 'etlnb-deploy-summary');
    summary.appendChild(el('div', 'etlnb-ok', `✔ deployed ${result.full_name}`));
    const table = el('table');
    const row = (key: string, value: Node | string) => {
      const tr = el('tr');
      tr.append(el('th', '', key));
      const td = el('td');
      td.append(value);
      tr.append(td);
      table.appendChild(tr);
    };
    const link = (href: string, text: string, className: string) => {
      const a = el('a', className, text);
      a.href = href;
      a.target = '_blank';
      a.rel = 'noopener';
      return a;
    };
    row('deployment', link(result.ui_url, 'open in Prefect UI', 'etlnb-deployment-link'));
    row('id', result.deployment_id);
    row('version', result.version);
    row('code', result.location);
    row('work pool', result.work_pool);
    const workers = result.workers ?? {};
    const names = (workers.workers ?? []).map((w: any) => `${w.name} (${w.status})`).join(', ');
    row('workers', el('span', 'etlnb-workers', names || workers.note || 'none'));
    summary.appendChild(table);
    const runs = el('div', 'etlnb-flow-run');
    const start = button('Run deployment now', 'etlnb-flow-run-button', async () => {
      start.disabled = true;
      try {
        const job = await post<IJob>('flow-run', { deployment_id: result.deployment_id });
        const done = await follow(job, () => undefined);
        if (done.status !== 'ok') {
          throw new Error(done.message || 'the flow run was not created');
        }
        runs.replaceChildren(
          span('', `flow run ${done.result.name}: `),
          link(done.result.ui_url, 'open in Prefect UI', 'etlnb-flow-run-link')
        );
        if (!workers.online) {
          runs.appendChild(el('div', 'etlnb-muted', workers.note));
        }
      } catch (error) {
        runs.replaceChildren(el('div', 'etlnb-error-message', (error as Error).message));
      } finally {
        start.disabled = false;
      }
    });
    runs.appendChild(start);
    summary.appendChild(runs);
    return summary;
  }

  private state: NotebookState | null = null;
  private header: HTMLElement;
  private checkBody: HTMLElement;
  private graphBody: HTMLElement;
  private runBody: HTMLElement;
  private deployBody: HTMLElement;
}
