// Calls to etlnb's server extension (/etlnb/...). ServerConnection adds the token and XSRF header.
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface ICellInfo {
  index: number;
  id: string | null;
  role: string;
  reads: string[];
  writes: string[];
  mapped: { line: number; func: string; iterable: string }[];
  tasks: string[];
}

export interface IDiagnostic {
  severity: 'error' | 'warning';
  message: string;
  hint: string;
  cell: number | null;
  id: string | null;
  line: number | null;
  text: string;
}

export interface ICheck {
  path: string;
  ok: boolean;
  project?: string;
  flow?: string;
  cells: ICellInfo[];
  diagnostics: IDiagnostic[];
  tasks?: number;
  mermaid?: string;
  nodes?: { [key: string]: { cell: number; id: string | null; line: number } };
}

export interface IJob {
  id: string;
  kind: string;
  steps: {
    name: string;
    status: string;
    difference?: string; // parity: this step's first difference
    why?: string;
    cell?: number;
    cell_id?: string | null;
  }[];
  lines: string[];
  status: 'running' | 'ok' | 'failed';
  message: string;
  result: any;
}

export async function api<T>(endPoint: string, init: RequestInit = {}): Promise<T> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(settings.baseUrl, 'etlnb', endPoint);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new Error(`the Jupyter server did not answer: ${error}`);
  }
  const text = await response.text();
  let data: any = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    if (data && typeof data.message === 'string') {
      throw new Error(data.message);
    }
    if (response.status === 404) {
      throw new Error(
        "etlnb's server extension is not enabled: `jupyter server extension enable etlnb.labext`, then restart JupyterLab"
      );
    }
    throw new Error(`etlnb: the server answered ${response.status} ${response.statusText}`);
  }
  return data as T;
}

export function post<T>(endPoint: string, body: any): Promise<T> {
  return api<T>(endPoint, { method: 'POST', body: JSON.stringify(body) });
}

/** Poll a job until it ends; `onUpdate` sees every state. */
export async function follow(job: IJob, onUpdate: (job: IJob) => void): Promise<IJob> {
  onUpdate(job);
  while (job.status === 'running') {
    await new Promise(resolve => setTimeout(resolve, 400));
    job = await api<IJob>(`jobs/${job.id}`);
    onUpdate(job);
  }
  return job;
}
