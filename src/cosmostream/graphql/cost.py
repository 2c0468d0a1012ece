"""The cost limit: what a document may ask for, computed before validation and execution.

Every field costs 1. A field with a page size (`first` or `limit`) or a list
field multiplies the cost of its selection by the number of items it can
return: the argument's value (a literal, a variable, or its default), or for
lists without one the maximum in `LIST_SIZES`. The lists inside a connection
(`edges`, `nodes`) are paged by the connection's `first`, so they count once.
Aliases add up and a fragment counts wherever it is spread.

The same walk counts the fields of the document with every fragment spread
expanded. Both sums are memoised per fragment, so the check is linear in the
document even when the expansion is exponential (a fragment spreading the
next one twice, twenty times over), and it runs before graphql-core's
validation rules, some of which walk the expansion.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
)
from strawberry.extensions import SchemaExtension

from cosmostream.errors import AppError

# Lists without a page-size argument: the most items they hold (documented on
# the field where it is not obvious from its domain).
LIST_SIZES: Mapping[str, int] = {
    # Analytics: 12 metrics; series of at most 120 buckets (hours ≤ 2 days,
    # days ≤ 90, weeks ≤ 2 years, months: ten years of lifetime); 7 breakdowns
    # of known keys or a top 10; 100 retention points; 48 realtime hours.
    "Analytics.breakdowns": 7,
    "AnalyticsBreakdown.rows": 20,
    "AnalyticsOverview.headlines": 12,
    "AnalyticsHeadline.series": 120,
    "AnalyticsHeadline.previousSeries": 120,
    "AnalyticsRetention.points": 100,
    "AnalyticsRetention.typical": 100,
    "AnalyticsRetention.markers": 50,
    "AnalyticsRealtime.hours": 48,
    "Comment.replies": 50,
    "CourseModule.lessons": 50,
    "MyLearning.completed": 50,  # course_service.my_learning's limit, shared
    "MyLearning.inProgress": 50,
    "QuestionResult.feedback": 12,  # at most one per chosen option
    "QuizAttempt.questions": 100,
    "QuizQuestion.options": 12,  # grading.MAX_OPTIONS
    "QuizQuestion.parameters": 6,
    "QuizQuestion.units": 10,
    "QuizResult.questions": 100,
    "Syllabus.modules": 30,
    "Syllabus.prerequisites": 10,
    "IssGroundTrack.past": 200,  # one orbit (~93 min) every 30 s
    "IssGroundTrack.next": 200,
    "Me.sessions": 50,
    # One per provider sign-in linked; a handful at most.
    "Me.identities": 20,
    "Me.favouriteCategories": 50,
    "Mutation.presignVideoUploadParts": 100,
    "NewsArticle.topics": 20,
    "Organization.invitations": 50,  # billing/organizations.MAX_LISTED
    "Query.myOrganizations": 50,
    "Query.pendingDomainClaims": 50,
    "LearningPath.steps": 30,  # learning/paths.MAX_PATH_COURSES
    "PathStep.requires": 30,
    "Query.categories": 50,
    "Query.learningPaths": 50,
    "Query.myVideos": 100,
    "Query.forumCategories": 50,
    "Query.missions": 100,
    "Query.issPasses": 100,  # at most 10 days, a few passes a day
    "Query.issSkyTrack": 961,  # 240 minutes every 15 s
    "Query.newsSources": 50,
    "Query.newsTopics": 20,
    "Sky.bodies": 20,
    "Video.renditions": 10,
    "WatchParty.members": 50,
    "Query.classesITeach": 50,  # learning/classes.MAX_LISTED
    "Query.myAssignments": 100,  # learning/classes.MAX_LISTED_ASSIGNMENTS
    "Query.classProgress": 250,  # learning/classes.MAX_MEMBERS
    "LearningClass.members": 250,
    "LearningClass.assignments": 20,  # learning/classes.MAX_ASSIGNMENTS
    "LearningClass.myAssignments": 20,
    "ClassAssignment.courseSlugs": 30,  # learning/paths.MAX_PATH_COURSES
    "Query.plans": 3,  # billing/plans.PLANS
    "Query.myEarnings": 36,  # billing/revenue: at most 36 months
    "BillingPlan.entitlements": 4,  # billing/plans.ALL_KEYS
    "BillingPlan.features": 4,
    "BillingPlan.prices": 2,  # a month and a year
    "MyBilling.entitlements": 4,
    "PlanChangePreview.lines": 20,  # two per changed item, one item
}
# A list nobody sized yet (a test lists them, so this is only a safety net).
DEFAULT_LIST_SIZE = 100
PAGE_SIZE_ARGUMENTS = ("first", "limit")
# No list serves a page larger than this: the services cap larger values or
# refuse them (validation_failed), so a larger argument costs no more.
MAX_PAGE_SIZE = 100
CONNECTION_LISTS = ("edges", "nodes")
# Introspection is answered from the schema in memory and graphql-core bounds
# its nesting (MaxIntrospectionDepthRule), so one `__schema` is at most the
# whole schema (about 60 ms): half the default budget, so one fits a request.
# `__type` is one type.
INTROSPECTION_COSTS: Mapping[str, int] = {"__schema": 5000, "__type": 100}


class QueryTooComplex(AppError):
    code = "query_too_complex"
    message = "The query asks for too much at once. Ask for fewer items or split it."

    def __init__(self, message: str, *, cost: int, max_cost: int) -> None:
        super().__init__(f"{message} Ask for fewer items or split the query.")
        self.cost = cost
        self.max_cost = max_cost

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "cost": self.cost, "maxCost": self.max_cost}


@dataclass(frozen=True, slots=True)
class Measure:
    cost: int  # what executing it may do
    fields: int  # its fields with every fragment spread expanded

    def __add__(self, other: Measure) -> Measure:
        return Measure(self.cost + other.cost, self.fields + other.fields)


NOTHING = Measure(0, 0)


class _Walk:
    def __init__(
        self, schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.schema = schema
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, Measure] = {}
        self.defaults: dict[str, Any] = {}

    def operation(self, node: OperationDefinitionNode) -> Measure:
        self.defaults = {
            d.variable.name.value: d.default_value.value
            for d in node.variable_definitions or ()
            if isinstance(d.default_value, IntValueNode)
        }
        return self.selections(node.selection_set, self.schema.get_root_type(node.operation))

    def fragment(self, name: str) -> Measure:
        if name not in self.memo:
            definition = self.fragments.get(name)
            # A cycle counts as nothing here: validation refuses it.
            self.memo[name] = NOTHING
            if definition is not None:
                parent = self.schema.get_type(definition.type_condition.name.value)
                self.memo[name] = self.selections(definition.selection_set, parent)
        return self.memo[name]

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> Measure:
        total = NOTHING
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                total += self.field(selection, parent)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(selection.selection_set, inner)
        return total

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        name = node.name.value
        if name in INTROSPECTION_COSTS:
            inner = self.selections(node.selection_set, None)
            return Measure(INTROSPECTION_COSTS[name], 1 + inner.fields)
        definition: GraphQLField | None = getattr(parent, "fields", {}).get(name)
        child = get_named_type(definition.type) if definition else None
        inner = self.selections(node.selection_set, child)
        if definition is None or parent is None or not node.selection_set:
            return Measure(1 + inner.cost, 1 + inner.fields)
        items = self.items(node, definition, f"{parent.name}.{name}")
        return Measure(1 + items * inner.cost, 1 + inner.fields)

    def items(self, node: FieldNode, definition: GraphQLField, key: str) -> int:
        """How many of its selection the field can return."""
        for argument in PAGE_SIZE_ARGUMENTS:
            if argument in definition.args:
                default = definition.args[argument].default_value
                return min(max(0, self.argument(node, argument, default)), MAX_PAGE_SIZE)
        if key in LIST_SIZES:
            return LIST_SIZES[key]
        if not is_list_type(get_nullable_type(definition.type)):
            return 1
        if node.name.value in CONNECTION_LISTS or is_leaf_type(get_named_type(definition.type)):
            return 1
        return DEFAULT_LIST_SIZE

    def argument(self, node: FieldNode, name: str, default: Any) -> int:
        value: Any = default
        for argument in node.arguments or ():
            if argument.name.value != name:
                continue
            if isinstance(argument.value, IntValueNode):
                value = argument.value.value
            elif isinstance(argument.value, VariableNode):
                variable = argument.value.name.value
                value = self.variables.get(variable, self.defaults.get(variable, default))
        try:
            return int(value)
        except (TypeError, ValueError):
            return int(default) if isinstance(default, int) else DEFAULT_LIST_SIZE


def measure(
    schema: GraphQLSchema, document: DocumentNode, variables: Mapping[str, Any] | None = None
) -> Measure:
    """The cost of the document's dearest operation, and its expanded size.

    The size counts every operation and fragment definition, as validation
    walks them all; the cost is that of one operation, as only one runs.
    """
    walk = _Walk(schema, document, variables or {})
    cost = 0
    fields = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            found = walk.operation(definition)
            cost = max(cost, found.cost)
            fields += found.fields
        elif isinstance(definition, FragmentDefinitionNode):
            fields += walk.fragment(definition.name.value).fields
    return Measure(cost, fields)


class QueryCostLimiter(SchemaExtension):
    """Refuse documents over the cost budget or the expanded size, before validation."""

    def __init__(self, *, max_cost: int, max_fields: int) -> None:
        self.max_cost = max_cost
        self.max_fields = max_fields

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            found = measure(context.schema._schema, document, context.variables)
            error = self.refusal(found)
            if error is not None:
                # Errors set here make Strawberry skip its validation step.
                context.pre_execution_errors = [
                    GraphQLError(
                        error.message, extensions={**error.to_dict(), "status": error.status}
                    )
                ]
        yield

    def refusal(self, found: Measure) -> QueryTooComplex | None:
        # Both mean "ask for less" to a client, so they share the code.
        if found.fields > self.max_fields:
            return QueryTooComplex(
                f"The query has {found.fields} fields once its fragments are expanded, "
                f"more than the allowed {self.max_fields}.",
                cost=found.cost,
                max_cost=self.max_cost,
            )
        if found.cost > self.max_cost:
            return QueryTooComplex(
                f"The query costs {found.cost}, more than the allowed {self.max_cost}.",
                cost=found.cost,
                max_cost=self.max_cost,
            )
        return None
