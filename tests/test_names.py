"""Unit tests of etlnb.analyse.names: what each top-level statement reads, binds and mutates."""

from __future__ import annotations

import ast
import textwrap

from etlnb.analyse.names import FunctionInfo, StatementInfo, analyse_module


def analyse(source: str) -> list[StatementInfo]:
    return analyse_module(ast.parse(textwrap.dedent(source)))


def first(source: str) -> StatementInfo:
    """Facts of the first statement of a snippet (followed by more lines unless said otherwise)."""
    return analyse(source)[0]


def only(source: str) -> StatementInfo:
    """Facts of a snippet that is one statement (so it is also the cell's displayed last line)."""
    statements = analyse(source)
    assert len(statements) == 1
    return statements[0]


def function(source: str) -> FunctionInfo:
    """FunctionInfo of the one def/class a snippet defines."""
    st = only(source)
    assert len(st.functions) == 1
    return next(iter(st.functions.values()))


# -- mutation is a write ---------------------------------------------------


def test_inplace_method_call_mutates_its_object():
    st = first("df.dropna(inplace=True)\nn = 1")
    assert st.mutates == {"df"}
    assert st.reads == ["df"]
    assert "df" in st.writes
    assert st.binds == set()


def test_subscript_assignment_mutates_the_container_and_reads_key_and_value():
    st = first("d[k] = v\nn = 1")
    assert st.mutates == {"d"}
    assert set(st.reads) == {"d", "k", "v"}
    assert st.binds == set()


def test_attribute_assignment_mutates_the_object():
    st = first("x.attr = v\nn = 1")
    assert st.mutates == {"x"}
    assert set(st.reads) == {"x", "v"}


def test_nested_attribute_and_subscript_target_mutates_the_root_name():
    st = first("cfg.paths[0].name = v\nn = 1")
    assert st.mutates == {"cfg"}
    assert "paths" not in st.mutates | set(st.reads)


def test_del_subscript_mutates_the_container():
    st = first("del x[k]\nn = 1")
    assert st.mutates == {"x"}
    assert st.deletes == set()
    assert set(st.reads) == {"x", "k"}


def test_method_call_as_statement_mutates_its_object():
    st = first("x.append(v)\nn = 1")
    assert st.mutates == {"x"}
    assert set(st.reads) == {"x", "v"}


def test_copy_into_a_new_name_does_not_write_the_original():
    st = first("y = x.copy()\nn = 1")
    assert st.mutates == set()
    assert st.binds == {"y"}
    assert "x" not in st.writes
    assert st.reads == ["x"]


def test_unpacking_with_an_attribute_target_mutates_only_that_object():
    st = first("a, b.c, *d = t\nn = 1")
    assert st.binds == {"a", "d"}
    assert st.mutates == {"b"}


def test_module_function_call_as_statement_is_recorded_as_mutation_of_the_module_name():
    # names.py only sees `pd.concat(...)` thrown away; that pd is code is the graph's business
    imp, call, _ = analyse("import pandas as pd\npd.concat([a, b])\nn = 1")
    assert imp.code == {"pd"}
    assert imp.binds == set()
    assert call.mutates == set()  # pandas functions do not change their arguments
    assert call.reads == ["pd", "a", "b"]


# -- the cell's displayed last line ---------------------------------------


def test_display_expression_on_last_line_is_not_a_mutation():
    st = only("df.head()")
    assert st.mutates == set()
    assert st.reads == ["df"]


def test_unknown_method_anywhere_is_a_possible_change_known_readers_are_not():
    st, _ = analyse("df.head()\nprint(1)")
    assert st.mutates == set()
    assert only("model.fit(X, y)").mutates == {"model"}  # fit changes the estimator, not the data
    assert only("obj.process(X)").mutates == {"obj", "X"}  # unknown: both may change
    assert only("conn.commit()").mutates == {"conn"}


def test_mutating_method_on_last_line_is_still_a_mutation():
    assert only("lst.append(1)").mutates == {"lst"}


def test_inplace_call_on_last_line_is_still_a_mutation():
    assert only("df.dropna(inplace=True)").mutates == {"df"}


def test_only_the_last_statement_counts_as_displayed():
    a, b = analyse("lst.sort()\ndf.head()")
    assert a.mutates == {"lst"}
    assert b.mutates == set()


# -- nested scopes hide their own names -------------------------------------


def test_list_comprehension_reads_its_iterable_not_its_variable():
    st = first("[x for x in xs]\nn = 1")
    assert st.reads == ["xs"]
    assert st.binds == set()


def test_comprehension_condition_reads_outer_names():
    st = first("out = [x for x in xs if x > lim]\nn = 1")
    assert st.reads == ["xs", "lim"]
    assert st.binds == {"out"}


def test_nested_comprehension_inner_iterable_is_the_outer_variable():
    st = first("out = [[y for y in x] for x in xs]\nn = 1")
    assert st.reads == ["xs"]


def test_dict_comprehension_targets_are_local():
    st = first("m = {k: v for k, v in items.items()}\nn = 1")
    assert st.reads == ["items"]


def test_generator_expression_reads_free_names_in_its_element():
    st = first("t = sum(v * w for v in vals)\nn = 1")
    assert st.reads == ["sum", "vals", "w"]


def test_comprehension_iterable_of_the_same_name_as_its_target_reads_the_outer_name():
    st = first("x = [x for x in x]\nn = 1")
    assert st.reads == ["x"]
    assert st.binds == {"x"}


def test_lambda_parameters_are_local_but_its_free_names_are_reads():
    st = first("rows2 = sorted(rows, key=lambda r: r[col])\nn = 1")
    assert st.reads == ["sorted", "rows", "col"]


def test_lambda_default_is_read_where_the_lambda_stands():
    st = first("f = lambda x=d: x + y\nn = 1")
    assert set(st.reads) == {"d"}  # y is read when f is called
    assert st.deferred_reads == {"f": {"y"}}
    assert st.binds == {"f"}


# -- functions carry their free names ---------------------------------------


def test_function_body_names_are_not_reads_of_the_defining_statement():
    st = only("def f(a):\n    return a + g(k)")
    assert st.reads == []
    assert st.code == {"f"}
    assert st.binds == set()
    assert st.functions["f"].reads == {"g", "k"}


def test_function_arguments_and_locals_are_not_free():
    info = function(
        """
        def f(a, *args, b=1, **kw):
            c = a + b
            for i in args:
                c += i
            return c, kw, scale
        """
    )
    assert info.reads == {"scale"}


def test_names_the_function_binds_anywhere_in_its_body_are_local():
    info = function(
        """
        def f():
            import json
            try:
                pass
            except Problem as e:
                print(e)
            with open(path) as fh:
                fh.read()
            return json
        """
    )
    assert info.reads == {"Problem", "print", "open", "path"}
    assert info.mutates == set()


def test_nested_def_free_names_count_for_the_outer_function():
    info = function(
        """
        def f():
            y = 1
            def g():
                return y + z
            return g()
        """
    )
    assert info.reads == {"z"}


def test_nonlocal_name_is_not_free():
    info = function(
        """
        def f():
            x = 1
            def g():
                nonlocal x
                x = 2
            return g
        """
    )
    assert info.reads == set()
    assert info.writes == set()


def test_comprehension_inside_function_reads_free_names_not_its_variable():
    info = function("def f(xs):\n    return [x * k for x in xs]")
    assert info.reads == {"k"}


def test_dict_comprehension_inside_function_reads_called_helper():
    info = function("def f(rows):\n    return {k: helper(v) for k, v in rows}")
    assert info.reads == {"helper"}


def test_lambda_inside_function():
    info = function("def f():\n    return sorted(xs, key=lambda r: r[col])")
    assert info.reads == {"sorted", "xs", "col"}


def test_walrus_in_comprehension_inside_function_binds_in_the_function():
    info = function("def f():\n    [z := 1 for _ in r]\n    return z")
    assert info.reads == {"r"}


def test_class_body_names_are_local_to_the_body():
    info = function(
        """
        class Cfg:
            k = 1
            j = k + 1
        """
    )
    assert info.reads == set()


def test_methods_do_not_see_class_body_names():
    info = function(
        """
        class A:
            k = 1
            def m(self):
                return k + other
        """
    )
    assert info.reads == {"k", "other"}


def test_class_inside_function_method_sees_the_function_locals_not_the_class_body():
    info = function(
        """
        def f():
            z = 0
            class Inner:
                w = q
                def m(self):
                    return z + w
            return Inner
        """
    )
    assert info.reads == {"q", "w"}


def test_class_bases_and_keywords_are_read_at_definition():
    st = only("class B(Base, metaclass=Meta):\n    pass")
    assert st.reads == ["Base", "Meta"]
    assert st.code == {"B"}


def test_global_assignment_is_a_function_write():
    info = function(
        """
        def bump():
            global counter
            counter += 1
        """
    )
    assert info.writes == {"counter"}
    assert "counter" in info.reads


def test_global_in_nested_function_is_a_write_of_the_outer_function():
    info = function(
        """
        def f():
            def g():
                global total
                total = 1
            g()
        """
    )
    assert info.writes == {"total"}


def test_plain_assignment_in_function_is_not_a_global_write():
    info = function("def f():\n    total = 1\n    return total")
    assert info.writes == set()
    assert info.reads == set()


def test_free_names_mutated_in_a_function():
    info = function(
        """
        def f(v):
            cache[v] = 1
            results.append(v)
            obj.attr = v
            local = []
            local.append(v)
            v.update({})
        """
    )
    assert info.mutates == {"cache", "results", "obj"}
    assert info.reads == {"cache", "results", "obj"}


def test_method_mutating_a_global_counts_for_the_class():
    info = function(
        """
        class Registry:
            def add(self, v):
                registry.append(v)
                self.items.append(v)
        """
    )
    assert info.mutates == {"registry"}
    assert info.reads == {"registry"}


# -- deletes, augmented assignment, imports ------------------------------


def test_del_name_is_a_delete_that_needs_the_name_but_not_a_mutation():
    # `del x` fails without x, so the task must receive it; nothing is written
    st = first("del x\nn = 1")
    assert st.deletes == {"x"}
    assert st.mutates == set()
    assert st.binds == set()
    assert st.reads == ["x"]


def test_augmented_assignment_reads_and_writes_the_name():
    st = first("x += 1\nn = 1")
    assert st.reads == ["x"]
    assert "x" in st.writes
    assert "x" in st.binds


def test_augmented_assignment_to_subscript_mutates_the_container():
    st = first("counts[k] += 1\nn = 1")
    assert st.mutates == {"counts"}
    assert set(st.reads) == {"counts", "k"}


def test_imports_inside_a_compound_statement_bind_code_names():
    st = first(
        """
        try:
            import ujson as json
        except ImportError:
            import json
        from os import path as p, sep
        n = 1
        """
    )
    assert st.code == {"json"}
    assert st.binds == set()
    assert "json" not in st.reads


def test_from_import_and_dotted_import_bind_code_names():
    a, b = analyse("import os.path\nfrom collections import OrderedDict as OD, deque")
    assert a.code == {"os"}
    assert b.code == {"OD", "deque"}
    assert a.binds == b.binds == set()


def test_star_import_records_its_module():
    assert only("from os.path import *").star_import == "os.path"
    assert only("from . import *").star_import == "."
    assert only("from ..pkg import *").star_import == "..pkg"
    assert only("from os.path import join").star_import is None


def test_function_and_class_definitions_bind_code_names():
    a, b = analyse("def f():\n    pass\nclass C:\n    pass")
    assert a.code == {"f"}
    assert b.code == {"C"}
    assert a.binds == b.binds == set()


# -- walrus ----------------------------------------------------------------


def test_walrus_at_module_level_binds_and_is_not_a_read_afterwards():
    st = first(
        """
        if (n := len(xs)) > 3:
            print(n)
        m = 1
        """
    )
    assert st.binds == {"n"}
    assert st.reads == ["len", "xs", "print"]


def test_walrus_inside_comprehension_binds_in_the_module_scope():
    st = first("ys = [y := f(x) for x in xs]\nn = 1")
    assert st.binds == {"y", "ys"}
    assert set(st.reads) == {"f", "xs"}


def test_walrus_in_nested_comprehension_binds_in_the_module_scope():
    st = first("out = [[last := v for v in row] for row in rows]\nn = 1")
    assert st.binds == {"last", "out"}
    assert st.reads == ["rows"]


# -- evaluation order within one statement ---------------------------------


def test_assignment_reads_its_target_before_binding_it():
    st = first("x = x + 1\nn = 1")
    assert st.reads == ["x"]
    assert st.binds == {"x"}


def test_with_target_is_bound_before_the_body_reads_it():
    st = first(
        """
        with open(p) as f:
            data = f.read()
        n = 1
        """
    )
    assert st.reads == ["open", "p"]
    assert st.binds == {"f", "data"}


def test_name_bound_earlier_in_a_block_is_not_a_read():
    st = first(
        """
        if ok:
            total = 0
            total = total + 1
        n = 1
        """
    )
    assert st.reads == ["ok"]


def test_name_bound_in_one_branch_and_read_in_the_other_is_a_read():
    # the else branch reads the `y` an earlier cell defined: binding it in the
    # if branch does not happen on this path
    st = first(
        """
        if flag:
            y = 0
        else:
            y = y + 1
        n = 1
        """
    )
    assert "y" in st.reads
    assert st.binds == {"y"}


def test_for_loop_targets_are_bound_and_the_loop_variable_is_not_read():
    st = first(
        """
        for i, row in enumerate(rows):
            total = total + row * i
        n = 1
        """
    )
    assert st.reads == ["enumerate", "rows", "total"]
    assert st.binds == {"i", "row", "total"}


def test_except_as_name_is_not_a_read_in_its_handler():
    st = first(
        """
        try:
            v = int(s)
        except ValueError as e:
            print(e)
        n = 1
        """
    )
    assert st.reads == ["int", "s", "ValueError", "print"]


def test_decorators_defaults_and_annotations_are_read_at_definition_time():
    st = only(
        """
        @retry(times)
        def fetch(url=base_url, *, timeout: Seconds = default_timeout) -> Result:
            return get(url, timeout)
        """
    )
    assert st.reads == ["retry", "times", "base_url", "default_timeout", "Seconds", "Result"]
    assert st.functions["fetch"].reads == {"get"}
    assert st.code == {"fetch"}


def test_reads_are_unique_and_in_evaluation_order():
    st = first("z = f(b, a, b, f(a))\nn = 1")
    assert st.reads == ["f", "b", "a"]


def test_del_then_read_in_the_same_statement_reads_again():
    st = first(
        """
        if ok:
            x = 1
            del x
            print(x)
        n = 1
        """
    )
    assert "x" in st.reads
    assert st.maybe_deletes == {"x"}  # only when `ok`
