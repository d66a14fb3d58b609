//! What template.yaml keeps for operators (issue 21, items 9 and 12): every function logs into a
//! group of the stack's own with a retention, and every checkov check skipped says why.

use crate::template::{self, of_type, referenced};

#[test]
fn every_function_logs_into_a_group_of_the_stack_kept_log_retention_days() {
    let template = template::load();
    let resources = template::resources(&template);
    let functions = of_type(&template, "AWS::Serverless::Function");
    assert!(functions.len() >= 8, "{}", functions.len());
    for (name, function) in functions {
        let group = referenced(&function["Properties"]["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{name}: LoggingConfig names no log group of the stack"));
        let group = &resources[group];
        assert_eq!(group["Type"], "AWS::Logs::LogGroup", "{name}");
        assert_eq!(
            group["Properties"]["RetentionInDays"],
            serde_json::json!({"Ref": "LogRetentionDays"}),
            "{name}"
        );
    }
    assert_eq!(template["Parameters"]["LogRetentionDays"]["Default"], 30);
}

#[test]
fn every_checkov_skip_names_a_check_and_says_why() {
    let template = template::load();
    let mut skips = 0;
    for (name, resource) in template::resources(&template) {
        for skip in template::one_or_many(&resource["Metadata"]["checkov"]["skip"]) {
            skips += 1;
            let id = skip["id"].as_str().unwrap_or_default();
            let comment = skip["comment"].as_str().unwrap_or_default();
            assert!(id.starts_with("CKV_AWS_"), "{name}: skip {skip}");
            assert!(comment.len() >= 30, "{name}: {id} skipped without a reason");
        }
    }
    assert!(skips > 0);
}

#[test]
fn agents_sign_in_with_optional_totp_unless_the_operator_says_otherwise() {
    let template = template::load();
    let mfa = &template["Parameters"]["AgentMfa"];
    assert_eq!(mfa["Default"], "OPTIONAL");
    assert_eq!(
        mfa["AllowedValues"],
        serde_json::json!(["OFF", "OPTIONAL", "ON"])
    );
    let pool = &template::resources(&template)["AgentUserPool"]["Properties"];
    assert_eq!(
        pool["MfaConfiguration"],
        serde_json::json!({"Ref": "AgentMfa"})
    );
    assert_eq!(
        pool["EnabledMfas"]["Fn::If"][1],
        serde_json::json!(["SOFTWARE_TOKEN_MFA"])
    );
}
