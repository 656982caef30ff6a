using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostTrain.Kube.Testing.Validation;

namespace PostTrain.Kube.Tests;

/// <summary>
/// The test API server's custom resource validation against kube-apiserver 1.34's behaviour, on the repository's CRDs
/// and on a small hand-written one. Expected messages follow the Go sources cited in PostTrain.Kube.Testing/Validation
/// (kube-openapi validate/errors, apiextensions-apiserver validation, schema/cel, listtype, apimachinery field errors).
/// Where kube visits an object's fields in Go map order (so its errors come in no fixed order), the schema's order is used.
/// </summary>
public sealed class CustomResourceValidationTests
{
    private const string Blocked =
        "<nil>: Invalid value: null: some validation rules were not checked because the object was invalid; correct the existing errors to complete validation";

    private const string QuantityPattern = @"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$";

    private static readonly JsonObject SftCrd = RepoCrd("posttrain.dev_sftjobs.yaml");
    private static readonly JsonObject RlvrCrd = RepoCrd("posttrain.dev_rlvrjobs.yaml");
    private static readonly JsonObject EvalCrd = RepoCrd("posttrain.dev_evaljobs.yaml");

    private static readonly Dictionary<string, (JsonObject Crd, string Base)> Kinds = new()
    {
        ["SftJob"] = (SftCrd, """{"dataset":{"source":"builtin://arithmetic"},"model":{"source":"hf://Qwen/Qwen2.5-0.5B"}}"""),
        ["RlvrJob"] = (RlvrCrd, """{"dataset":{"source":"builtin://arithmetic"},"model":{"source":"hf://Qwen/Qwen2.5-0.5B"},"reward":[{"type":"math"}]}"""),
        ["EvalJob"] = (EvalCrd, """{"dataset":{"source":"builtin://arithmetic"},"models":[{"name":"base","source":"hf://Qwen/Qwen2.5-0.5B"}]}"""),
    };

    private static readonly JsonObject WidgetCrd = YamlJson.Object("""
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          names: {kind: Widget, plural: widgets}
          scope: Namespaced
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                x-kubernetes-validations:
                - rule: "self.metadata.name.startsWith('w-')"
                  message: names start with w-
                properties:
                  apiVersion: {type: string}
                  kind: {type: string}
                  metadata: {type: object}
                  spec:
                    type: object
                    x-kubernetes-validations:
                    - rule: "!has(self.nick) || size(self.nick) > 1"
                      message: nick too short
                    - rule: "!has(self.tags) || self.tags.all(t, t.matches('^[a-z]+$'))"
                      message: tags are lowercase words
                    properties:
                      count: {type: integer}
                      ratio: {type: number, maximum: 1000000}
                      step: {type: integer, multipleOf: 5}
                      when: {type: string, format: date-time}
                      nick: {type: string, nullable: true}
                      color: {type: string, default: blue}
                      size: {type: string}
                      labels: {type: object, minProperties: 1, maxProperties: 2, additionalProperties: {type: string}}
                      closed: {type: object, additionalProperties: false}
                      tags: {type: array, items: {type: string}, x-kubernetes-list-type: set}
                      ports:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [name, protocol]
                        items:
                          type: object
                          required: [name]
                          properties:
                            name: {type: string}
                            protocol: {type: string, default: TCP}
                            port: {type: integer}
                      uniq: {type: array, items: {type: integer}, uniqueItems: true}
                      items:
                        type: array
                        items:
                          type: object
                          properties:
                            a: {type: string, default: x}
                            b: {type: integer}
                      box:
                        type: object
                        default: {width: 1, junk: true}
                        properties:
                          width: {type: integer}
                          height: {type: integer, default: 2}
                      template:
                        type: object
                        x-kubernetes-embedded-resource: true
                        x-kubernetes-preserve-unknown-fields: true
                      limits:
                        type: object
                        x-kubernetes-validations:
                        - rule: "self.max >= self.min"
                          messageExpression: "'max ' + string(self.max) + ' is below min ' + string(self.min)"
                        - rule: "!has(self.hard)"
                          message: hard limits are not supported
                          reason: FieldValueForbidden
                        - rule: "self.min != 13"
                        - rule: "size(self.name) <= 3 && self.name.lowerAscii() == self.name"
                          message: short lowercase names only
                          fieldPath: ".name"
                        properties:
                          min: {type: integer}
                          max: {type: integer}
                          hard: {type: boolean}
                          name: {type: string}
                      phase:
                        type: string
                        x-kubernetes-validations:
                        - rule: "self == oldSelf || oldSelf == 'Draft'"
                          message: phase may change only from Draft
        """);

    // ---- the repository's CRDs: schema errors in kube's words ----

    [Fact]
    public void A_valid_SftJob_passes_and_gets_the_schema_defaults_without_the_input_changing()
    {
        var obj = Job("SftJob");
        var before = obj.ToJsonString();

        var r = Validate(SftCrd, obj);

        r.Errors.ShouldBeEmpty();
        r.IsValid.ShouldBeTrue();
        r.StatusCode.ShouldBe(0);
        r.ToStatus("demo").ShouldBeNull();
        r.Warnings.ShouldBeEmpty();
        obj.ToJsonString().ShouldBe(before);
        var spec = r.Object["spec"]!;
        ((int)spec["backoffLimit"]!).ShouldBe(3);
        ((long)spec["seed"]!).ShouldBe(42);
        ((bool)spec["suspend"]!).ShouldBeFalse();
        ((string)spec["resume"]!).ShouldBe("auto");
        ((string)spec["dataset"]!["format"]!).ShouldBe("messages");
        ((string)spec["dataset"]!["split"]!).ShouldBe("train");
        ((string)spec["model"]!["dtype"]!).ShouldBe("auto");
        // `default: {}` objects are filled in with the defaults below them.
        JsonNode.DeepEquals(spec["output"], JsonNode.Parse("""{"keep":2,"saveEverySteps":500}""")).ShouldBeTrue(spec["output"]!.ToJsonString());
        ((int)spec["resources"]!["gpus"]!).ShouldBe(1);
        ((string)spec["resources"]!["gpuResourceName"]!).ShouldBe("nvidia.com/gpu");
        ((int)spec["training"]!["batchSize"]!).ShouldBe(32);
        ((double)spec["training"]!["learningRate"]!).ShouldBe(2e-05);
        ((string)spec["training"]!["schedule"]!).ShouldBe("cosine");
        spec["training"]!.AsObject().ContainsKey("lora").ShouldBeFalse("lora has no default");
    }

    [Fact]
    public void A_value_below_the_minimum_is_invalid_with_the_field_path_and_kube_openapis_message()
    {
        var r = Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":-1}}"""));

        var error = r.Errors.ShouldHaveSingleItem();
        error.ToString().ShouldBe("spec.training.maxSteps: Invalid value: -1: spec.training.maxSteps in body should be greater than or equal to 1");
        error.Field.ShouldBe("spec.training.maxSteps");
        error.Type.ShouldBe(FieldErrorType.Invalid);
        error.Reason.ShouldBe("FieldValueInvalid");
        error.Body.ShouldBe("Invalid value: -1: spec.training.maxSteps in body should be greater than or equal to 1");
        error.Value.ShouldBe("-1");
    }

    [Fact]
    public void One_error_gives_the_422_Status_of_NewInvalid()
    {
        var r = Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":-1}}"""));

        r.StatusCode.ShouldBe(422);
        Json(r.ToStatus("bad")!).ShouldBe(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"SftJob.posttrain.dev \"bad\" is invalid: spec.training.maxSteps: Invalid value: -1: spec.training.maxSteps in body should be greater than or equal to 1","reason":"Invalid","details":{"name":"bad","group":"posttrain.dev","kind":"SftJob","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: spec.training.maxSteps in body should be greater than or equal to 1","field":"spec.training.maxSteps"}]},"code":422}""");
        var e = r.ToException("bad")!;
        e.Code.ShouldBe(422);
        e.Reason.ShouldBe("Invalid");
        e.ToStatus()["details"]!["causes"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public void Several_errors_are_bracketed_in_the_Status_message_and_each_is_a_cause()
    {
        var r = Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":-1,"batchSize":0}}"""));

        Messages(r).ShouldBe([
            "spec.training.batchSize: Invalid value: 0: spec.training.batchSize in body should be greater than or equal to 1",
            "spec.training.maxSteps: Invalid value: -1: spec.training.maxSteps in body should be greater than or equal to 1",
        ]);
        var status = r.ToStatus("bad")!;
        ((string)status["message"]!).ShouldBe(
            "SftJob.posttrain.dev \"bad\" is invalid: [spec.training.batchSize: Invalid value: 0: spec.training.batchSize in body should be greater than or equal to 1, spec.training.maxSteps: Invalid value: -1: spec.training.maxSteps in body should be greater than or equal to 1]");
        status["details"]!["causes"]!.AsArray().Select(c => (string)c!["field"]!).ShouldBe(["spec.training.batchSize", "spec.training.maxSteps"]);
    }

    [Fact]
    public void A_missing_required_field_is_Required_value_and_blocks_the_CEL_rules()
    {
        Messages(Validate(SftCrd, Job("SftJob", """{"dataset":{"source":null,"format":"gsm8k"}}""")))
            .ShouldBe(["spec.dataset.source: Required value", Blocked]);

        var noSpec = Job("SftJob");
        noSpec.Remove("spec");
        var r = Validate(SftCrd, noSpec);
        Messages(r).ShouldBe(["spec: Required value", Blocked]);
        r.Errors[0].Reason.ShouldBe("FieldValueRequired");
        r.ToStatus("bad")!["details"]!["causes"]![1]!["field"]!.GetValue<string>().ShouldBe("<nil>");
    }

    [Fact]
    public void A_value_outside_the_enum_is_Unsupported_value_listing_the_supported_ones()
    {
        var r = Validate(SftCrd, Job("SftJob", """{"dataset":{"format":"foo"}}"""));

        Messages(r).ShouldBe(["spec.dataset.format: Unsupported value: \"foo\": supported values: \"messages\", \"promptCompletion\", \"gsm8k\", \"mbpp\", \"parquet\"", Blocked]);
        r.Errors[0].Reason.ShouldBe("FieldValueNotSupported");
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_FieldValueTypeInvalid_naming_the_JSON_type()
    {
        var r = Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":"ten"},"suspend":"yes","dataset":"x"}"""));

        Messages(r).ShouldBe([
            "spec.dataset: Invalid value: \"string\": spec.dataset in body must be of type object: \"string\"",
            "spec.suspend: Invalid value: \"string\": spec.suspend in body must be of type boolean: \"string\"",
            "spec.training.maxSteps: Invalid value: \"string\": spec.training.maxSteps in body must be of type integer: \"string\"",
            Blocked,
        ]);
        r.Errors[0].Reason.ShouldBe("FieldValueTypeInvalid");
    }

    [Fact]
    public void Integers_and_numbers_follow_kube_openapi_a_fraction_is_not_an_int32_but_two_point_zero_is()
    {
        // type.go: a float64 in an int32 field fails the format check first.
        Messages(Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":1.5}}""")))
            .ShouldBe(["spec.training.maxSteps: Invalid value: \"float64\": spec.training.maxSteps in body must be of type int32: \"float64\"", Blocked]);
        Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":2.0}}""")).Errors.ShouldBeEmpty();
        // An integer is a valid number.
        Validate(SftCrd, Job("SftJob", """{"training":{"epochs":3}}""")).Errors.ShouldBeEmpty();

        Messages(Validate(WidgetCrd, Widget("""{"count":1.5}""")))
            .ShouldBe(["spec.count: Invalid value: \"number\": spec.count in body must be of type integer: \"number\"", Blocked]);
        Validate(WidgetCrd, Widget("""{"count":2.0,"ratio":3}""")).Errors.ShouldBeEmpty();
    }

    [Fact]
    public void Null_is_dropped_where_not_nullable_defaulted_where_there_is_a_default_and_kept_where_nullable()
    {
        var sft = Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":null},"suspend":null}"""));
        sft.Errors.ShouldBeEmpty();
        sft.Object["spec"]!["training"]!.AsObject().ContainsKey("maxSteps").ShouldBeFalse();
        ((bool)sft.Object["spec"]!["suspend"]!).ShouldBeFalse();

        var widget = Validate(WidgetCrd, Widget("""{"nick":null,"size":null,"color":null}"""));
        widget.Errors.ShouldBeEmpty();
        var spec = widget.Object["spec"]!.AsObject();
        spec.ContainsKey("nick").ShouldBeTrue();
        spec["nick"].ShouldBeNull();
        spec.ContainsKey("size").ShouldBeFalse();
        ((string)spec["color"]!).ShouldBe("blue");
    }

    [Fact]
    public void String_length_is_Too_long_in_bytes_above_maxLength_and_Invalid_below_minLength()
    {
        var r = Validate(SftCrd, Job("SftJob", """{"dataset":{"fields":{"prompt":"PROMPT"}}}""".Replace("PROMPT", new string('p', 257), StringComparison.Ordinal)));
        Messages(r).ShouldBe(["spec.dataset.fields.prompt: Too long: may not be more than 256 bytes", Blocked]);
        r.Errors[0].Reason.ShouldBe("FieldValueTooLong");

        Messages(Validate(SftCrd, Job("SftJob", """{"dataset":{"split":""}}""")))
            .ShouldBe(["spec.dataset.split: Invalid value: \"\": spec.dataset.split in body should be at least 1 chars long"]);
    }

    [Fact]
    public void A_string_not_matching_the_pattern_quotes_the_pattern()
    {
        Messages(Validate(SftCrd, Job("SftJob", """{"env":[{"name":"OK"},{"name":"1bad"}],"dataset":{"source":"s3://bucket/x"}}""")))
            .ShouldBe([
                "spec.dataset.source: Invalid value: \"s3://bucket/x\": spec.dataset.source in body should match '^((hf|pvc|builtin)://\\S+|file:///\\S*|[^:\\s][^:]*)$'",
                "spec.env[1].name: Invalid value: \"1bad\": spec.env[1].name in body should match '^[-._a-zA-Z][-._a-zA-Z0-9]*$'",
            ]);
    }

    [Fact]
    public void Exclusive_bounds_say_greater_than_and_less_than_and_print_the_value_as_Go_does()
    {
        Messages(Validate(SftCrd, Job("SftJob", """{"training":{"learningRate":0,"lora":{"dropout":1}}}""")))
            .ShouldBe([
                "spec.training.learningRate: Invalid value: 0: spec.training.learningRate in body should be greater than 0",
                "spec.training.lora.dropout: Invalid value: 1: spec.training.lora.dropout in body should be less than 1",
            ]);
        Messages(Validate(SftCrd, Job("SftJob", """{"training":{"learningRate":1.5}}""")))
            .ShouldBe(["spec.training.learningRate: Invalid value: 1.5: spec.training.learningRate in body should be less than or equal to 1"]);
        // %v of a float64: the shortest digits, in e-notation from 1e+06 up.
        Messages(Validate(WidgetCrd, Widget("""{"ratio":2000000.5}""")))
            .ShouldBe(["spec.ratio: Invalid value: 2.0000005e+06: spec.ratio in body should be less than or equal to 1e+06"]);
        Messages(Validate(WidgetCrd, Widget("""{"step":7}""")))
            .ShouldBe(["spec.step: Invalid value: 7: spec.step in body should be a multiple of 5"]);
    }

    [Fact]
    public void Int_or_string_takes_either_and_reports_the_anyOf_failure_at_no_path()
    {
        Validate(SftCrd, Job("SftJob", """{"resources":{"memory":"64Gi","cpu":8,"sharedMemory":"1e3"}}""")).Errors.ShouldBeEmpty();

        Messages(Validate(SftCrd, Job("SftJob", """{"resources":{"memory":"lots"}}""")))
            .ShouldBe([$"spec.resources.memory: Invalid value: \"lots\": spec.resources.memory in body should match '{QuantityPattern}'"]);

        // validation.go: anyOf's summary is not an errors.Validation, so it lands on the validator's root (nil) path.
        Messages(Validate(SftCrd, Job("SftJob", """{"resources":{"memory":true}}""")))
            .ShouldBe([
                "spec.resources.memory: Invalid value: \"boolean\": spec.resources.memory in body must be of type integer,string: \"boolean\"",
                "<nil>: Invalid value: \"\": \"spec.resources.memory\" must validate at least one schema (anyOf)",
                "spec.resources.memory: Invalid value: \"boolean\": spec.resources.memory in body must be of type integer: \"boolean\"",
                Blocked,
            ]);
    }

    [Fact]
    public void Item_counts_are_Too_many_above_maxItems_and_Invalid_below_minItems()
    {
        var many = string.Join(",", Enumerable.Repeat("""{"type":"math"}""", 17));
        Messages(Validate(RlvrCrd, Job("RlvrJob", $$"""{"reward":[{{many}}]}""")))
            .ShouldBe(["spec.reward: Too many: 17: must have at most 16 items", Blocked]);

        // minItems is not a blocking error, so the list's CEL rule still runs.
        Messages(Validate(RlvrCrd, Job("RlvrJob", """{"reward":[]}""")))
            .ShouldBe([
                "spec.reward: Invalid value: 0: spec.reward in body should have at least 1 items",
                "spec.reward: Invalid value: \"array\": at least one reward must not be a gate",
            ]);
    }

    [Fact]
    public void Map_values_are_validated_by_additionalProperties()
    {
        Messages(Validate(SftCrd, Job("SftJob", """{"scheduling":{"nodeSelector":{"zone":5,"pool":"gpu"}}}""")))
            .ShouldBe(["spec.scheduling.nodeSelector.zone: Invalid value: \"integer\": spec.scheduling.nodeSelector.zone in body must be of type string: \"integer\"", Blocked]);

        var widget = Validate(WidgetCrd, Widget("""{"labels":{},"closed":{"b":"y"}}"""));
        Messages(widget).ShouldBe([
            "spec.labels: Invalid value: 0: spec.labels in body should have at least 1 properties",
            "spec.closed: Invalid value: \"b\": spec.closed.b in body is a forbidden property",
        ]);
        Messages(Validate(WidgetCrd, Widget("""{"labels":{"a":"1","b":"2","c":"3"}}""")))
            .ShouldBe(["spec.labels: Too many: 3: must have at most 2 items", Blocked]);
    }

    [Fact]
    public void The_status_subresource_validates_status_alone_with_paths_under_status_and_messages_relative_to_it()
    {
        var old = Validate(SftCrd, Job("SftJob", """{}""", """{"phase":"Running"}""")).Object;
        var condition = """{"type":"Ready","status":"True","reason":"Running","message":"ok","lastTransitionTime":"2024-05-01T10:00:00Z"}""";
        var update = Job("SftJob", """{}""", $$"""{"phase":"Bogus","progress":{"percent":101},"conditions":[{{condition}},{{condition}}]}""");

        var r = Validate(SftCrd, update, old, subresource: "status");

        Messages(r).ShouldBe([
            "status.phase: Unsupported value: \"Bogus\": supported values: \"Pending\", \"WaitingForDependency\", \"Running\", \"Succeeded\", \"Failed\", \"Suspended\"",
            "status.progress.percent: Invalid value: 101: progress.percent in body should be less than or equal to 100",
            "status.conditions[1]: Duplicate value: {\"type\":\"Ready\"}",
            Blocked,
        ]);
        r.Errors[2].Reason.ShouldBe("FieldValueDuplicate");

        var badTime = Job("SftJob", """{}""", """{"phase":"Running","startTime":"yesterday"}""");
        Messages(Validate(SftCrd, badTime, old, subresource: "status"))
            .ShouldBe(["status.startTime: Invalid value: \"yesterday\": startTime in body must be of type date-time: \"yesterday\"", Blocked]);
    }

    // ---- pruning and fieldValidation ----

    private const string UnknownFields = """{"foo":1,"training":{"bogus":true},"env":[{"name":"A","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}],"scheduling":{"affinity":{"nodeAffinity":{"anything":[1]}}}}""";

    [Fact]
    public void Strict_refuses_unknown_fields_with_a_400_before_validating()
    {
        var obj = Job("SftJob", UnknownFields);
        obj["metadata"]!["bogus"] = "x";
        obj["spec"]!["training"]!["maxSteps"] = -1;

        var r = Validate(SftCrd, obj, fieldValidation: "Strict");

        r.StrictErrors.ShouldBe(["unknown field \"metadata.bogus\"", "unknown field \"spec.foo\"", "unknown field \"spec.training.bogus\""]);
        r.Errors.ShouldBeEmpty();
        r.IsValid.ShouldBeFalse();
        r.StatusCode.ShouldBe(400);
        Json(r.ToStatus("bad")!).ShouldBe(
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"SftJob in version \"v1alpha1\" cannot be handled as a SftJob: strict decoding error: unknown field \"metadata.bogus\", unknown field \"spec.foo\", unknown field \"spec.training.bogus\"","reason":"BadRequest","code":400}""");
    }

    [Theory]
    [InlineData("Warn")]
    [InlineData(null)]
    [InlineData("")]
    public void Warn_and_the_default_prune_unknown_fields_and_warn_about_each(string? fieldValidation)
    {
        var obj = Job("SftJob", UnknownFields);
        obj["metadata"]!["bogus"] = "x";

        var r = Validate(SftCrd, obj, fieldValidation: fieldValidation);

        r.IsValid.ShouldBeTrue();
        r.Warnings.ShouldBe(["unknown field \"metadata.bogus\"", "unknown field \"spec.foo\"", "unknown field \"spec.training.bogus\""]);
        WarningHeader.Format(r.Warnings[1]).ShouldBe("299 - \"unknown field \\\"spec.foo\\\"\"");
        var spec = r.Object["spec"]!.AsObject();
        spec.ContainsKey("foo").ShouldBeFalse();
        spec["training"]!.AsObject().ContainsKey("bogus").ShouldBeFalse();
        r.Object["metadata"]!.AsObject().ContainsKey("bogus").ShouldBeFalse();
        // x-kubernetes-preserve-unknown-fields keeps what it holds.
        ((int)spec["scheduling"]!["affinity"]!["nodeAffinity"]!["anything"]![0]!).ShouldBe(1);
        ((string)spec["env"]![0]!["valueFrom"]!["secretKeyRef"]!["key"]!).ShouldBe("k");
    }

    [Fact]
    public void Ignore_prunes_unknown_fields_silently()
    {
        var r = Validate(SftCrd, Job("SftJob", UnknownFields), fieldValidation: "Ignore");

        r.IsValid.ShouldBeTrue();
        r.Warnings.ShouldBeEmpty();
        r.UnknownFields.ShouldBe(["spec.foo", "spec.training.bogus"]);
        r.Object["spec"]!.AsObject().ContainsKey("foo").ShouldBeFalse();
    }

    [Fact]
    public void Unknown_fields_in_array_items_and_embedded_resource_metadata_are_pruned_with_their_paths()
    {
        var r = Validate(WidgetCrd, Widget("""{"items":[{"b":1},{"b":2,"zz":0}],"template":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","bogus":1},"spec":{"free":"form"}}}"""), fieldValidation: "Warn");

        r.Errors.ShouldBeEmpty();
        r.UnknownFields.ShouldBe(["spec.items[1].zz", "spec.template.metadata.bogus"]);
        var template = r.Object["spec"]!["template"]!;
        template["metadata"]!.AsObject().ContainsKey("bogus").ShouldBeFalse();
        ((string)template["spec"]!["free"]!).ShouldBe("form");
    }

    [Fact]
    public void Duplicate_fields_in_the_body_are_strict_errors_or_warnings_and_the_last_one_wins()
    {
        var body = Encoding.UTF8.GetBytes("""{"apiVersion":"posttrain.dev/v1alpha1","kind":"SftJob","metadata":{"name":"dup"},"spec":{"seed":1,"dataset":{"source":"builtin://arithmetic"},"model":{"source":"hf://a/b"},"seed":2,"env":[{"name":"A","name":"B"}]}}""");

        var strict = CustomResourceValidation.Validate(SftCrd, "v1alpha1", body, null, "Strict");
        strict.StrictErrors.ShouldBe(["duplicate field \"spec.seed\"", "duplicate field \"spec.env[0].name\""]);
        strict.StatusCode.ShouldBe(400);

        var warn = CustomResourceValidation.Validate(SftCrd, "v1alpha1", body, null, "Warn");
        warn.IsValid.ShouldBeTrue();
        warn.Warnings.ShouldBe(["duplicate field \"spec.seed\"", "duplicate field \"spec.env[0].name\""]);
        ((long)warn.Object["spec"]!["seed"]!).ShouldBe(2);
        ((string)warn.Object["spec"]!["env"]![0]!["name"]!).ShouldBe("B");

        Should.Throw<JsonException>(() => JsonBodyReader.Parse("{\"a\":"u8, out _));
    }

    [Fact]
    public void An_unknown_fieldValidation_value_is_refused()
    {
        Should.Throw<ArgumentException>(() => Validate(SftCrd, Job("SftJob"), fieldValidation: "strict"))
            .Message.ShouldStartWith("fieldValidation: Unsupported value: \"strict\": supported values: \"\", \"Ignore\", \"Strict\", \"Warn\"");
    }

    // ---- defaulting ----

    [Fact]
    public void Defaults_apply_inside_array_items_and_inside_defaulted_objects_and_are_pruned_by_their_schema()
    {
        var r = Validate(WidgetCrd, Widget("""{"items":[{},{"a":"given"}],"ports":[{"name":"http"}]}"""));

        r.Errors.ShouldBeEmpty();
        var spec = r.Object["spec"]!;
        ((string)spec["color"]!).ShouldBe("blue");
        spec["items"]!.AsArray().Select(i => (string)i!["a"]!).ShouldBe(["x", "given"]);
        ((string)spec["ports"]![0]!["protocol"]!).ShouldBe("TCP");
        // The object default loses its unknown field and gains the default below it.
        JsonNode.DeepEquals(spec["box"], JsonNode.Parse("""{"width":1,"height":2}""")).ShouldBeTrue(spec["box"]!.ToJsonString());

        var given = Validate(WidgetCrd, Widget("""{"box":{}}""")).Object["spec"]!["box"]!;
        JsonNode.DeepEquals(given, JsonNode.Parse("""{"height":2}""")).ShouldBeTrue(given.ToJsonString());
    }

    // ---- list types, formats, embedded resources, TypeMeta ----

    [Fact]
    public void Sets_and_map_lists_report_each_repeated_item_once_after_defaulting()
    {
        Messages(Validate(WidgetCrd, Widget("""{"tags":["a","b","a","a"]}""")))
            .ShouldBe(["spec.tags[2]: Duplicate value: \"a\""]);
        // The first port's protocol is defaulted to TCP, which makes the keys equal.
        Messages(Validate(WidgetCrd, Widget("""{"ports":[{"name":"http","port":80},{"name":"http","protocol":"TCP","port":8080},{"name":"http","protocol":"UDP"}]}""")))
            .ShouldBe(["spec.ports[1]: Duplicate value: {\"name\":\"http\",\"protocol\":\"TCP\"}"]);
    }

    [Fact]
    public void UniqueItems_is_checked_as_kube_openapi_does_though_kube_refuses_such_CRDs()
    {
        Messages(Validate(WidgetCrd, Widget("""{"uniq":[1,2,1]}""")))
            .ShouldBe(["spec.uniq: Invalid value: \"\": spec.uniq in body shouldn't contain duplicates"]);
    }

    [Fact]
    public void A_string_of_a_checked_format_must_parse()
    {
        Validate(WidgetCrd, Widget("""{"when":"2024-05-01T10:00:00.5+02:00"}""")).Errors.ShouldBeEmpty();
        Messages(Validate(WidgetCrd, Widget("""{"when":"yesterday"}""")))
            .ShouldBe(["spec.when: Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\"", Blocked]);
    }

    [Fact]
    public void Embedded_resources_need_apiVersion_and_a_DNS_1035_kind()
    {
        Messages(Validate(WidgetCrd, Widget("""{"template":{"metadata":{"name":"p"}}}""")))
            .ShouldBe(["spec.template.apiVersion: Required value", "spec.template.kind: Required value", Blocked]);
        Messages(Validate(WidgetCrd, Widget("""{"template":{"apiVersion":"a/b/c","kind":"Bad_Kind"}}""")))
            .ShouldBe([
                "spec.template.apiVersion: Invalid value: \"a/b/c\": unexpected GroupVersion string: a/b/c",
                "spec.template.kind: Invalid value: \"Bad_Kind\": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
            ]);
    }

    [Fact]
    public void Kind_and_apiVersion_must_be_the_CRDs()
    {
        var obj = Widget("{}");
        obj["kind"] = "Gadget";
        obj["apiVersion"] = "example.com/v2";

        Messages(Validate(WidgetCrd, obj)).ShouldBe([
            "kind: Invalid value: \"Gadget\": must be Widget",
            "apiVersion: Invalid value: \"example.com/v2\": must be example.com/v1",
        ]);
    }

    // ---- CEL ----

    [Fact]
    public void Rules_report_their_message_messageExpression_reason_and_fieldPath()
    {
        Validate(WidgetCrd, Widget("""{"limits":{"min":1,"max":2,"name":"ab"}}""")).Errors.ShouldBeEmpty();
        Messages(Validate(WidgetCrd, Widget("""{"limits":{"min":5,"max":3,"name":"ab"}}""")))
            .ShouldBe(["spec.limits: Invalid value: \"object\": max 3 is below min 5"]);
        var forbidden = Validate(WidgetCrd, Widget("""{"limits":{"min":1,"max":2,"hard":true,"name":"ab"}}"""));
        Messages(forbidden).ShouldBe(["spec.limits: Forbidden: hard limits are not supported"]);
        forbidden.Errors[0].Reason.ShouldBe("FieldValueForbidden");
        Messages(Validate(WidgetCrd, Widget("""{"limits":{"min":13,"max":20,"name":"ab"}}""")))
            .ShouldBe(["spec.limits: Invalid value: \"object\": failed rule: self.min != 13"]);
        Messages(Validate(WidgetCrd, Widget("""{"limits":{"min":1,"max":2,"name":"ABCD"}}""")))
            .ShouldBe(["spec.limits.name: Invalid value: \"object\": short lowercase names only"]);
    }

    [Fact]
    public void Rules_see_a_null_field_as_absent_and_can_use_the_CEL_macros_and_string_functions()
    {
        Validate(WidgetCrd, Widget("""{"nick":null,"tags":["a","b"]}""")).Errors.ShouldBeEmpty();
        Messages(Validate(WidgetCrd, Widget("""{"nick":"x","tags":["ok","Bad"]}""")))
            .ShouldBe(["spec: Invalid value: \"object\": nick too short", "spec: Invalid value: \"object\": tags are lowercase words"]);
    }

    [Fact]
    public void Finalizers_added_without_a_domain_draw_warnings()
    {
        var obj = Widget("{}");
        obj["metadata"]!["finalizers"] = new JsonArray("cleanup", "example.com/done", "a.b", "kubernetes");

        Validate(WidgetCrd, obj).Warnings.ShouldBe([
            "metadata.finalizers: \"a.b\": prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers",
            "metadata.finalizers: \"cleanup\": prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers",
        ]);
        Validate(WidgetCrd, obj, old: obj).Warnings.ShouldBeEmpty();
    }

    [Fact]
    public void A_rule_on_the_root_sees_metadata_name_and_reports_at_no_path()
    {
        var obj = Widget("{}");
        obj["metadata"]!["name"] = "gadget";

        Messages(Validate(WidgetCrd, obj)).ShouldBe(["<nil>: Invalid value: \"object\": names start with w-"]);
    }

    [Fact]
    public void A_rule_reading_an_absent_field_fails_to_evaluate_as_kube_reports_it()
    {
        Messages(Validate(WidgetCrd, Widget("""{"limits":{"name":"ab"}}""")))
            .ShouldBe([
                "spec.limits: Invalid value: \"object\": no such key: max evaluating rule: self.max >= self.min",
                "spec.limits: Invalid value: \"object\": no such key: min evaluating rule: self.min != 13",
            ]);
    }

    [Fact]
    public void Transition_rules_run_on_update_only_and_only_where_the_old_value_exists()
    {
        Validate(WidgetCrd, Widget("""{"phase":"Live"}""")).Errors.ShouldBeEmpty();
        Validate(WidgetCrd, Widget("""{"phase":"Live"}"""), old: Widget("""{"phase":"Draft"}""")).Errors.ShouldBeEmpty();
        Validate(WidgetCrd, Widget("""{"phase":"Live"}"""), old: Widget("""{"phase":"Live"}""")).Errors.ShouldBeEmpty();
        Validate(WidgetCrd, Widget("""{"phase":"Done"}"""), old: Widget("{}")).Errors.ShouldBeEmpty();
        Messages(Validate(WidgetCrd, Widget("""{"phase":"Done"}"""), old: Widget("""{"phase":"Live"}""")))
            .ShouldBe(["spec.phase: Invalid value: \"string\": phase may change only from Draft"]);
    }

    [Fact]
    public void On_update_errors_in_unchanged_values_are_ratcheted()
    {
        // Stored before a rule or bound tightened: unchanged, the values are let through (rule failures as warnings).
        var old = Widget("""{"ratio":2000000,"limits":{"min":13,"max":20,"name":"ab"}}""");
        var r = Validate(WidgetCrd, Widget("""{"ratio":2000000,"limits":{"min":13,"max":20,"name":"ab"},"color":"red"}"""), old);
        r.Errors.ShouldBeEmpty();
        r.Warnings.ShouldBe(["spec.limits: Invalid value: \"object\": failed rule: self.min != 13"]);

        // Changed, they are errors again.
        Messages(Validate(WidgetCrd, Widget("""{"ratio":3000000,"limits":{"min":13,"max":21,"name":"ab"}}"""), old))
            .ShouldBe([
                "spec.ratio: Invalid value: 3000000: spec.ratio in body should be less than or equal to 1000000",
                "spec.limits: Invalid value: \"object\": failed rule: self.min != 13",
            ]);

        // Lists: a set that already had a duplicate may keep it.
        var oldTags = Widget("""{"tags":["a","a"]}""");
        Validate(WidgetCrd, Widget("""{"tags":["a","a"],"color":"red"}"""), oldTags).Errors.ShouldBeEmpty();
    }

    [Fact]
    public void The_SftJob_bounds_ratchet_on_update()
    {
        var old = Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":-1}}""")).Object;
        var changedElsewhere = Job("SftJob", """{"training":{"maxSteps":-1},"seed":7}""");

        Validate(SftCrd, changedElsewhere, old).Errors.ShouldBeEmpty();
        Messages(Validate(SftCrd, Job("SftJob", """{"training":{"maxSteps":-2}}"""), old))
            .ShouldBe(["spec.training.maxSteps: Invalid value: -2: spec.training.maxSteps in body should be greater than or equal to 1"]);
    }

    [Fact]
    public void Immutability_compares_the_defaulted_objects_so_omitting_defaults_is_no_change()
    {
        var stored = Validate(SftCrd, Job("SftJob")).Object;
        // The same spec as sent by a client that leaves defaults out, with another field changed.
        Validate(SftCrd, Job("SftJob", """{"seed":7}"""), stored).Errors.ShouldBeEmpty();
        Messages(Validate(SftCrd, Job("SftJob", """{"dataset":{"format":"gsm8k"}}"""), stored))
            .ShouldBe(["spec.dataset: Invalid value: \"object\": dataset is immutable"]);
    }

    /// <summary>Every CEL rule of the repository's CRDs, passing and failing: kind, spec patch, old spec patch (update), expected error.</summary>
    public static TheoryData<string, string, string?, string?> RepoRuleCases => new()
    {
        // SftJob
        { "SftJob", """{"model":{"source":"hf://a/b","fromJob":{"kind":"SftJob","name":"x"}}}""", null, "spec.model: Invalid value: \"object\": exactly one of source or fromJob must be set" },
        { "SftJob", """{"model":{"source":null}}""", null, "spec.model: Invalid value: \"object\": exactly one of source or fromJob must be set" },
        { "SftJob", """{"model":{"source":null,"fromJob":{"kind":"SftJob","name":"x"}}}""", null, null },
        { "SftJob", """{"model":{"source":"hf://a/c"}}""", "{}", "spec.model: Invalid value: \"object\": model is immutable" },
        { "SftJob", """{"dataset":{"source":"builtin://other"}}""", "{}", "spec.dataset: Invalid value: \"object\": dataset is immutable" },
        { "SftJob", """{"dataset":{"source":"builtin://other"}}""", null, null },
        { "SftJob", """{"training":{"warmupSteps":10,"warmupRatio":0.1}}""", null, "spec.training: Invalid value: \"object\": set at most one of warmupSteps and warmupRatio" },
        { "SftJob", """{"training":{"warmupSteps":10}}""", null, null },
        // RlvrJob
        { "RlvrJob", """{"model":{"fromJob":{"kind":"SftJob","name":"x"}}}""", null, "spec.model: Invalid value: \"object\": exactly one of source or fromJob must be set" },
        { "RlvrJob", """{"model":{"source":"hf://a/c"}}""", "{}", "spec.model: Invalid value: \"object\": model is immutable" },
        { "RlvrJob", """{"referenceModel":{}}""", null, "spec.referenceModel: Invalid value: \"object\": exactly one of source or fromJob must be set" },
        { "RlvrJob", """{"referenceModel":{"source":"hf://a/c"}}""", """{"referenceModel":{"source":"hf://a/b"}}""", "spec.referenceModel: Invalid value: \"object\": referenceModel is immutable" },
        { "RlvrJob", """{"referenceModel":{"source":"hf://a/b"}}""", """{"referenceModel":{"source":"hf://a/b"}}""", null },
        { "RlvrJob", """{"dataset":{"source":"builtin://other"}}""", "{}", "spec.dataset: Invalid value: \"object\": dataset is immutable" },
        { "RlvrJob", """{"reward":[{"type":"math"},{"type":"math","pattern":"x"}]}""", null, "spec.reward[1].pattern: Invalid value: \"object\": pattern is required for type regex and only allowed there" },
        { "RlvrJob", """{"reward":[{"type":"regex"}]}""", null, "spec.reward[0].pattern: Invalid value: \"object\": pattern is required for type regex and only allowed there" },
        { "RlvrJob", """{"reward":[{"type":"regex","pattern":"####"}]}""", null, null },
        { "RlvrJob", """{"reward":[{"type":"code","url":"https://x"}]}""", null, "spec.reward[0].url: Invalid value: \"object\": url is required for type http and only allowed there" },
        { "RlvrJob", """{"reward":[{"type":"http"}]}""", null, "spec.reward[0].url: Invalid value: \"object\": url is required for type http and only allowed there" },
        { "RlvrJob", """{"reward":[{"type":"http","url":"https://x","retries":2,"timeoutSeconds":5}]}""", null, null },
        { "RlvrJob", """{"reward":[{"type":"code","mode":"strict"}]}""", null, "spec.reward[0].mode: Invalid value: \"object\": mode is only allowed for type math" },
        { "RlvrJob", """{"reward":[{"type":"math","mode":"strict"}]}""", null, null },
        { "RlvrJob", """{"reward":[{"type":"math","grounded":true}]}""", null, "spec.reward[0].grounded: Invalid value: \"object\": grounded is only allowed for type equations" },
        { "RlvrJob", """{"reward":[{"type":"equations","grounded":true}]}""", null, null },
        { "RlvrJob", """{"reward":[{"type":"math","memoryMb":64}]}""", null, "spec.reward[0].memoryMb: Invalid value: \"object\": memoryMb is only allowed for type code" },
        { "RlvrJob", """{"reward":[{"type":"math","allowUnisolatedCode":true}]}""", null, "spec.reward[0].allowUnisolatedCode: Invalid value: \"object\": allowUnisolatedCode is only allowed for type code" },
        { "RlvrJob", """{"reward":[{"type":"code","memoryMb":64,"timeoutSeconds":5}]}""", null, null },
        { "RlvrJob", """{"reward":[{"type":"math","retries":2}]}""", null, "spec.reward[0].retries: Invalid value: \"object\": retries is only allowed for type http" },
        { "RlvrJob", """{"reward":[{"type":"math","timeoutSeconds":5}]}""", null, "spec.reward[0].timeoutSeconds: Invalid value: \"object\": timeoutSeconds is only allowed for types code and http" },
        { "RlvrJob", """{"reward":[{"type":"math","gate":true},{"type":"regex","pattern":"x","gate":true}]}""", null, "spec.reward: Invalid value: \"array\": at least one reward must not be a gate" },
        { "RlvrJob", """{"reward":[{"type":"math","gate":true},{"type":"regex","pattern":"x"}]}""", null, null },
        { "RlvrJob", """{"training":{"warmupSteps":10,"warmupRatio":0.1}}""", null, "spec.training: Invalid value: \"object\": set at most one of warmupSteps and warmupRatio" },
        // EvalJob
        { "EvalJob", """{"models":[{"name":"a","source":"hf://a/b"},{"name":"b"}]}""", null, "spec.models[1]: Invalid value: \"object\": exactly one of source or fromJob must be set" },
        { "EvalJob", """{"models":[{"name":"a","source":"hf://a/b"},{"name":"b","fromJob":{"kind":"RlvrJob","name":"r"}}]}""", null, null },
        { "EvalJob", """{"models":[{"name":"other","source":"hf://a/b"}]}""", "{}", "spec.models: Invalid value: \"array\": models is immutable" },
        { "EvalJob", """{"dataset":{"source":"builtin://other"}}""", "{}", "spec.dataset: Invalid value: \"object\": dataset is immutable" },
        { "EvalJob", "{}", "{}", null },
    };

    [Theory]
    [MemberData(nameof(RepoRuleCases))]
    public void Every_CEL_rule_of_the_repository_CRDs_passes_valid_objects_and_fails_with_its_message(string kind, string spec, string? oldSpec, string? expected)
    {
        var crd = Kinds[kind].Crd;
        var old = oldSpec is null ? null : Validate(crd, Job(kind, oldSpec)).Object;

        var r = Validate(crd, Job(kind, spec), old);

        Messages(r).ShouldBe(expected is null ? [] : [expected]);
    }

    [Fact]
    public void The_rule_cases_cover_every_rule_in_the_repository_CRDs()
    {
        var failing = RepoRuleCases.Select(row => (Kind: (string)row[0], Expected: (string?)row[3])).Where(c => c.Expected is not null).ToList();
        var rules = new List<string>();
        foreach (var (kind, (crd, _)) in Kinds)
        {
            var schema = crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();
            CollectRules(schema, "", (path, message) => rules.Add($"{kind} {path}: {message}"));
        }

        rules.Count.ShouldBe(22, string.Join("\n", rules));
        foreach (var rule in rules)
        {
            var kind = rule[..rule.IndexOf(' ', StringComparison.Ordinal)];
            var message = rule[(rule.IndexOf(": ", StringComparison.Ordinal) + 2)..];
            failing.ShouldContain(c => c.Kind == kind && c.Expected!.EndsWith(message, StringComparison.Ordinal), $"no failing case for {rule}");
        }
    }

    [Fact]
    public void The_examples_validate_clean_under_Strict()
    {
        var checkedKinds = 0;
        foreach (var path in Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "examples"), "*.yaml", SearchOption.AllDirectories))
        {
            foreach (var document in YamlJson.ParseAll(File.ReadAllText(path)).OfType<JsonObject>())
            {
                if (document["kind"]?.GetValue<string>() is { } kind && Kinds.TryGetValue(kind, out var entry))
                {
                    var r = Validate(entry.Crd, document, fieldValidation: "Strict");
                    r.StrictErrors.ShouldBeEmpty(path);
                    r.Errors.Select(e => e.ToString()).ShouldBeEmpty(path);
                    checkedKinds++;
                }
            }
        }

        checkedKinds.ShouldBeGreaterThanOrEqualTo(6);
    }

    // ---- helpers ----

    private static CustomResourceValidation.Result Validate(JsonObject crd, JsonObject obj, JsonObject? old = null, string? fieldValidation = "Strict", string? subresource = null)
    {
        var version = crd["spec"]!["versions"]![0]!["name"]!.GetValue<string>();
        return CustomResourceValidation.Validate(crd, version, obj, old, fieldValidation, new CustomResourceValidationOptions { Subresource = subresource });
    }

    /// <summary>JSON as kube writes it (Go does not escape quotes as \u0022).</summary>
    private static string Json(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static string[] Messages(CustomResourceValidation.Result r) => r.Errors.Select(e => e.ToString()).ToArray();

    private static JsonObject RepoCrd(string file) => YamlJson.Object(File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "crds", file)));

    /// <summary>A job of <paramref name="kind"/>: the kind's minimal valid spec with <paramref name="specPatch"/> merged in (RFC 7386).</summary>
    private static JsonObject Job(string kind, string specPatch = "{}", string? status = null)
    {
        var spec = JsonNode.Parse(Kinds[kind].Base)!.AsObject();
        MergePatch(spec, JsonNode.Parse(specPatch)!.AsObject());
        var obj = new JsonObject
        {
            ["apiVersion"] = "posttrain.dev/v1alpha1",
            ["kind"] = kind,
            ["metadata"] = new JsonObject { ["name"] = "bad", ["namespace"] = "default" },
            ["spec"] = spec,
        };
        if (status is not null)
        {
            obj["status"] = JsonNode.Parse(status);
        }

        return obj;
    }

    private static JsonObject Widget(string spec) => new()
    {
        ["apiVersion"] = "example.com/v1",
        ["kind"] = "Widget",
        ["metadata"] = new JsonObject { ["name"] = "w-1" },
        ["spec"] = JsonNode.Parse(spec),
    };

    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch.ToList())
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject p && target[key] is JsonObject t)
            {
                MergePatch(t, p);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    private static void CollectRules(JsonObject schema, string path, Action<string, string> found)
    {
        foreach (var rule in (schema["x-kubernetes-validations"] as JsonArray ?? []).OfType<JsonObject>())
        {
            found(path, rule["message"]!.GetValue<string>());
        }

        foreach (var (name, property) in schema["properties"] as JsonObject ?? [])
        {
            CollectRules(property!.AsObject(), path.Length == 0 ? name : $"{path}.{name}", found);
        }

        if (schema["items"] is JsonObject items)
        {
            CollectRules(items, $"{path}[]", found);
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            CollectRules(additional, $"{path}[*]", found);
        }
    }
}
