"""Process- and workflow-level builders of ``dagger.modeler.definition``."""

from __future__ import annotations

import pytest

from dagger.exceptions.exceptions import InvalidTaskType, TemplateDoesNotExist
from dagger.modeler.definition import (
    DefaultTemplateBuilder,
    DynamicProcessTemplateDAG,
    DynamicProcessTemplateDagBuilder,
    ParallelCompositeProcessTemplateDAG,
    ParallelCompositeProcessTemplateDagBuilder,
    ProcessTemplateDAG,
    ProcessTemplateDagBuilder,
    TemplateDAG,
)
from dagger.tasks.task import (
    DefaultProcessTemplateDAGInstance,
    DefaultTemplateDAGInstance,
    MonitoredProcessTemplateDAGInstance,
    ParallelCompositeTask,
    TaskOperator,
)
from dagger.templates.template import DefaultTaskTemplateBuilder, TaskTemplate
from tests.unit.templates.fakes import FakeApp, Step


def task(app: FakeApp, name: str = "t") -> TaskTemplate:
    return DefaultTaskTemplateBuilder(app).set_name(name).set_type(Step).build()


def test_process_builder_chains_and_builds(app: FakeApp) -> None:
    root = task(app)
    after = ProcessTemplateDagBuilder(app).set_name("after").set_root_task(task(app)).build()
    builder = ProcessTemplateDagBuilder(app)

    same = (
        builder.set_name("p")
        .set_type(MonitoredProcessTemplateDAGInstance)
        .set_root_task(root)
        .set_next_process(after)
        .set_max_run_duration(30)
    )

    assert same is builder
    process = builder.build()
    assert type(process) is ProcessTemplateDAG
    assert process.name == "p"
    assert process.process_type is MonitoredProcessTemplateDAGInstance
    assert process.root_task_dag is root
    assert process.next_process_dag == [after]
    assert process.max_run_duration == 30


def test_process_builder_defaults_to_the_default_process_type(app: FakeApp) -> None:
    process = ProcessTemplateDagBuilder(app).set_name("p").set_root_task(task(app)).build()

    assert process.process_type is DefaultProcessTemplateDAGInstance
    assert process.max_run_duration == 0


def test_process_builder_without_root_task_names_the_process(app: FakeApp) -> None:
    with pytest.raises(ValueError, match=r"'lonely'.*set_root_task"):
        ProcessTemplateDagBuilder(app).set_name("lonely").build()


def test_process_builder_rejects_a_task_type_as_process_type(app: FakeApp) -> None:
    builder = ProcessTemplateDagBuilder(app).set_name("p")

    with pytest.raises(InvalidTaskType) as raised:
        builder.set_type(Step)

    message = str(raised.value)
    assert "ProcessTemplateDagBuilder.set_type(Step)" in message
    assert "must subclass IProcessTemplateDAGInstance" in message
    assert "'p'" in message


def test_dynamic_builder_builds_a_dynamic_process(app: FakeApp) -> None:
    after = ProcessTemplateDagBuilder(app).set_name("after").set_root_task(task(app)).build()
    builder = DynamicProcessTemplateDagBuilder(app)

    same = builder.set_name("dyn").set_max_run_duration(12).set_next_process(after)

    assert same is builder
    process = builder.build()
    assert type(process) is DynamicProcessTemplateDAG
    assert (process.name, process.max_run_duration, process.next_process_dag) == (
        "dyn",
        12,
        [after],
    )


def test_dynamic_builder_has_no_root_task_or_type(app: FakeApp) -> None:
    builder = DynamicProcessTemplateDagBuilder(app)

    with pytest.raises(NotImplementedError):
        builder.set_root_task(task(app))
    with pytest.raises(NotImplementedError):
        builder.set_type(DefaultProcessTemplateDAGInstance)


def test_parallel_process_builder_collects_children_and_operator(app: FakeApp) -> None:
    left = ProcessTemplateDagBuilder(app).set_name("left").set_root_task(task(app)).build()
    right = ProcessTemplateDagBuilder(app).set_name("right").set_root_task(task(app)).build()
    builder = ParallelCompositeProcessTemplateDagBuilder(app).set_name("both")

    builder.set_parallel_process_templates(left).set_parallel_process_templates(right)
    process = builder.set_parallel_operator_type(TaskOperator.ATLEAST_ONE).build()

    assert type(process) is ParallelCompositeProcessTemplateDAG
    assert process.child_process_task_templates == [left, right]
    assert process.parallel_operator_type is TaskOperator.ATLEAST_ONE
    assert process.process_type is ParallelCompositeTask


def test_parallel_process_builder_has_no_root_task_or_duration(app: FakeApp) -> None:
    builder = ParallelCompositeProcessTemplateDagBuilder(app)

    with pytest.raises(NotImplementedError):
        builder.set_root_task(task(app))
    with pytest.raises(NotImplementedError):
        builder.set_max_run_duration(3)
    with pytest.raises(InvalidTaskType, match="must subclass ParallelCompositeTask"):
        builder.set_type(DefaultProcessTemplateDAGInstance)


def test_non_dynamic_and_non_composite_processes_refuse_those_setters(app: FakeApp) -> None:
    process = ProcessTemplateDagBuilder(app).set_name("p").set_root_task(task(app)).build()

    with pytest.raises(NotImplementedError, match="DynamicProcessTemplateDagBuilder"):
        process.set_dynamic_process_builders([])
    with pytest.raises(NotImplementedError, match="ParallelCompositeProcessTemplateDagBuilder"):
        process.set_parallel_process_template_dags([])
    dynamic = DynamicProcessTemplateDagBuilder(app).set_name("d").build()
    with pytest.raises(NotImplementedError):
        dynamic.set_parallel_process_template_dags([])


def test_template_builder_builds_a_template(app: FakeApp) -> None:
    root = ProcessTemplateDagBuilder(app).set_name("p").set_root_task(task(app)).build()
    builder = DefaultTemplateBuilder(app)

    same = builder.set_name("wf").set_type(DefaultTemplateDAGInstance).set_root(root)

    assert same is builder
    template = builder.build()
    assert type(template) is TemplateDAG
    assert (template.name, template.root_process_dag, template.template_type) == (
        "wf",
        root,
        DefaultTemplateDAGInstance,
    )
    assert template.app is app


def test_template_builder_without_root_names_the_template(app: FakeApp) -> None:
    with pytest.raises(ValueError, match=r"'wf'.*set_root"):
        DefaultTemplateBuilder(app).set_name("wf").build()


def test_get_given_process_finds_processes_along_the_chain_and_in_composites(
    app: FakeApp,
) -> None:
    inner = ProcessTemplateDagBuilder(app).set_name("inner").set_root_task(task(app)).build()
    last = (
        ParallelCompositeProcessTemplateDagBuilder(app)
        .set_name("last")
        .set_parallel_process_templates(inner)
        .build()
    )
    middle = (
        ProcessTemplateDagBuilder(app)
        .set_name("middle")
        .set_root_task(task(app))
        .set_next_process(last)
        .build()
    )
    first = (
        ProcessTemplateDagBuilder(app)
        .set_name("first")
        .set_root_task(task(app))
        .set_next_process(middle)
        .build()
    )
    template = DefaultTemplateBuilder(app).set_name("wf").set_root(first).build()

    assert template.get_given_process("middle") is middle
    assert template.get_given_process("inner") is inner
    assert template.get_given_process("nope") is None
    with pytest.raises(TemplateDoesNotExist, match=r"'nope'.*first, inner, last, middle"):
        template.set_dynamic_builders_for_process_template("nope", [])
