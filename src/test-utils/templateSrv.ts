/** Test helper: a TemplateSrv with given variables, replacing them as Grafana does for the cases we use. */
import type { ScopedVars, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

/** A dashboard variable as the fake holds it: selected values, all options, and an optional custom all value. */
export interface FakeVariable {
  name: string;
  current: string[] | '$__all';
  options: string[];
  allValue?: string;
}

/**
 * A TemplateSrv with Grafana's replace() contract for `$name` / `${name}`: a format function gets the
 * value (an array for multi-value, all options for All) and the variable model; a custom all value
 * is inserted as is, without calling the format function.
 */
export function fakeTemplateSrv(variables: FakeVariable[]): TemplateSrv {
  const byName = new Map(variables.map((v) => [v.name, v]));
  return {
    getVariables: () =>
      variables.map(
        (v) => ({ name: v.name, type: 'query', current: { value: v.current } }) as unknown as TypedVariableModel
      ),
    containsTemplate: (target?: string) => Boolean(target && /\$\{?\w+/.test(target)),
    updateTimeRange: () => undefined,
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) => {
      return (target ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (match, braced?: string, plain?: string) => {
        const name = braced ?? plain ?? '';
        const scoped = scopedVars?.[name];
        const variable = byName.get(name);
        if (!variable && !scoped) {
          return match;
        }
        let value: string | string[];
        if (scoped) {
          value = String(scoped.value);
        } else if (variable!.current === '$__all') {
          value = variable!.allValue ?? variable!.options;
        } else {
          value = variable!.current.length === 1 ? variable!.current[0] : variable!.current;
        }
        // Grafana skips the format function for a custom all value and inserts it as is.
        if (!scoped && variable!.current === '$__all' && variable!.allValue !== undefined) {
          return variable!.allValue;
        }
        const model = { name, current: { value: scoped ? scoped.value : variable!.current } };
        if (typeof format === 'function') {
          return format(value, model);
        }
        return Array.isArray(value) ? `{${value.join(',')}}` : value;
      });
    },
  };
}
