//! Every route of template.yaml reaches its function. API Gateway invokes a Lambda function only
//! when one of its permissions names API Gateway and has a SourceArn matching the request's
//! `arn:…:execute-api:{region}:{account}:{api id}/{stage}/{METHOD}/{path}` (`…/{stage}/$connect`
//! on the WebSocket API, `…/authorizers/{id}` for an authorizer). Without one API Gateway answers
//! 500: the DELETE of a deferred reply did (issue 21, item 4).

use serde_json::Value;

use crate::template::{self, ACCOUNT, PARTITION, REGION, of_type, referenced, resources};

/// A route and the function behind it.
#[derive(Debug)]
struct Route<'a> {
    name: &'a str,
    api: &'a str,
    key: &'a str,
    function: String,
}

/// The function an integration calls: `IntegrationUri` is `!GetAtt F.Arn` (HTTP API) or the
/// `…/functions/${F.Arn}/invocations` form (WebSocket API).
fn function_of(uri: &Value) -> Option<String> {
    if let Some(name) = referenced(uri) {
        return Some(name.to_owned());
    }
    let text = template::sub_text(uri)?;
    let start = text.find("functions/${")? + "functions/${".len();
    let end = text[start..].find(".Arn}")?;
    Some(text[start..start + end].to_owned())
}

fn routes(template: &Value) -> Vec<Route<'_>> {
    let resources = resources(template);
    of_type(template, "AWS::ApiGatewayV2::Route")
        .into_iter()
        .map(|(name, route)| {
            let properties = &route["Properties"];
            let target = template::sub_text(&properties["Target"]).unwrap_or_default();
            let integration = target
                .strip_prefix("integrations/${")
                .and_then(|t| t.strip_suffix('}'))
                .unwrap_or_else(|| panic!("{name}: Target {target:?} names no integration"));
            let function = function_of(&resources[integration]["Properties"]["IntegrationUri"])
                .unwrap_or_else(|| panic!("{integration}: its IntegrationUri names no function"));
            Route {
                name,
                api: referenced(&properties["ApiId"]).unwrap_or_default(),
                key: properties["RouteKey"].as_str().unwrap_or_default(),
                function,
            }
        })
        .collect()
}

/// The stage name of `api` (each API here has one stage).
fn stage_of<'a>(template: &'a Value, api: &str) -> &'a str {
    of_type(template, "AWS::ApiGatewayV2::Stage")
        .into_iter()
        .find(|(_, stage)| referenced(&stage["Properties"]["ApiId"]) == Some(api))
        .and_then(|(_, stage)| stage["Properties"]["StageName"].as_str())
        .unwrap_or_else(|| panic!("{api} has no stage"))
}

fn execute_api_arn(api: &str, rest: &str) -> String {
    format!(
        "arn:{PARTITION}:execute-api:{REGION}:{ACCOUNT}:{}/{rest}",
        template::physical_id(api)
    )
}

/// The source ARN of a request to `route_key`, its path parameters filled in (`{name+}` with
/// two segments).
fn request_arn(api: &str, stage: &str, route_key: &str) -> String {
    let Some((method, path)) = route_key.split_once(' ') else {
        return execute_api_arn(api, &format!("{stage}/{route_key}"));
    };
    let path: Vec<String> = path
        .split('/')
        .map(|segment| match segment.strip_prefix('{') {
            Some(name) if name.ends_with("+}") => "some/file".to_owned(),
            Some(name) => format!("the-{}", name.trim_end_matches('}')),
            None => segment.to_owned(),
        })
        .collect();
    execute_api_arn(api, &format!("{stage}/{method}{}", path.join("/")))
}

/// The source ARN patterns of the permissions that let API Gateway invoke `function`.
fn invoke_patterns(template: &Value, function: &str) -> Vec<String> {
    of_type(template, "AWS::Lambda::Permission")
        .into_iter()
        .map(|(_, permission)| &permission["Properties"])
        .filter(|p| {
            referenced(&p["FunctionName"]) == Some(function)
                && p["Action"] == "lambda:InvokeFunction"
                && p["Principal"] == "apigateway.amazonaws.com"
        })
        .filter_map(|p| template::sub_text(&p["SourceArn"]).map(template::substitute))
        .collect()
}

fn invocable(template: &Value, function: &str, request: &str) -> bool {
    invoke_patterns(template, function)
        .iter()
        .any(|pattern| template::like(pattern, request))
}

#[test]
fn every_route_in_template_yaml_has_a_permission_that_lets_api_gateway_invoke_its_function() {
    let template = template::load();
    let routes = routes(&template);
    let keys: Vec<&str> = routes.iter().map(|r| r.key).collect();
    for expected in [
        "POST /conversations/{conversationId}/messages",
        "DELETE /conversations/{conversationId}/messages/{messageId}",
        "GET /media/{key+}",
        "GET /",
        "$connect",
    ] {
        assert!(keys.contains(&expected), "{expected} not among {keys:?}");
    }
    let refused: Vec<String> = routes
        .iter()
        .filter_map(|route| {
            let request = request_arn(route.api, stage_of(&template, route.api), route.key);
            (!invocable(&template, &route.function, &request)).then(|| {
                format!(
                    "{} ({}): no permission of {} matches {request}",
                    route.name, route.key, route.function
                )
            })
        })
        .collect();
    assert!(refused.is_empty(), "{}", refused.join("\n"));
}

#[test]
fn every_lambda_authorizer_has_a_permission_that_lets_api_gateway_invoke_it() {
    let template = template::load();
    let authorizers: Vec<_> = of_type(&template, "AWS::ApiGatewayV2::Authorizer")
        .into_iter()
        .filter(|(_, a)| a["Properties"]["AuthorizerType"] == "REQUEST")
        .collect();
    assert!(!authorizers.is_empty(), "the live channel's authorizer");
    for (name, authorizer) in authorizers {
        let properties = &authorizer["Properties"];
        let function = function_of(&properties["AuthorizerUri"])
            .unwrap_or_else(|| panic!("{name}: its AuthorizerUri names no function"));
        let api = referenced(&properties["ApiId"]).unwrap_or_default();
        let request = execute_api_arn(api, &format!("authorizers/{}", template::physical_id(name)));
        assert!(
            invocable(&template, &function, &request),
            "{name}: no permission of {function} matches {request}"
        );
    }
}

#[test]
fn a_permission_for_one_method_does_not_cover_another() {
    let template = template::load();
    let post = request_arn(
        "HttpApi",
        "$default",
        "POST /conversations/{conversationId}/messages",
    );
    assert!(invocable(&template, "SendReplyFunction", &post));
    // A route whose function has no permission for it is found: the agent console may be
    // invoked for GET only.
    let put = request_arn("HttpApi", "$default", "PUT /");
    assert!(!invocable(&template, "AgentConsoleFunction", &put), "{put}");
}
