//! A customer's reactions: the emoji on the message it reacts to.

use serde::Serialize;

use super::MessageView;

/// `{"emoji", "to"}`: what a reaction message is. Twilio does not document how it delivers
/// WhatsApp reactions; read here: the emoji from `Body` (empty: the reaction was removed) and
/// the message from `OriginalRepliedMessageSid`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReactionView {
    pub emoji: String,
    pub to: Option<String>,
}

/// `{"emoji", "at"}`: a reaction on the message it reacts to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReactionMark {
    pub emoji: String,
    pub at: String,
}

/// Puts each reaction of a transcript (oldest first) on the message it reacts to: one per
/// message, the latest, none once the customer removed it.
pub fn attach_reactions(messages: &mut [MessageView]) {
    let reactions: Vec<(String, ReactionView, String)> = messages
        .iter()
        .filter_map(|m| {
            let reaction = m.reaction.clone()?;
            Some((reaction.to.clone()?, reaction, m.created_at.clone()))
        })
        .collect();
    for (target, reaction, at) in reactions {
        if let Some(message) = messages.iter_mut().find(|m| m.id == target) {
            message.reactions.clear();
            if !reaction.emoji.is_empty() {
                message.reactions.push(ReactionMark {
                    emoji: reaction.emoji,
                    at,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::Direction;

    fn message(id: &str, reaction: Option<(&str, &str)>, at: &str) -> MessageView {
        MessageView {
            id: id.into(),
            direction: Direction::Inbound,
            body: None,
            media: Vec::new(),
            location: None,
            button: None,
            status: "received".into(),
            error_code: None,
            error_message: None,
            template: None,
            agent_id: None,
            reply_to: None,
            forwarded: false,
            frequently_forwarded: false,
            ad: None,
            unsupported: None,
            reaction: reaction.map(|(emoji, to)| ReactionView {
                emoji: emoji.into(),
                to: Some(to.into()),
            }),
            reactions: Vec::new(),
            sentiment: None,
            created_at: at.into(),
        }
    }

    #[test]
    fn the_latest_reaction_shows_on_its_message_and_an_empty_one_removes_it() {
        let mut messages = vec![
            message("SM1", None, "t1"),
            message("SM2", None, "t2"),
            message("SM3", Some(("👍", "SM1")), "t3"),
            message("SM4", Some(("❤️", "SM1")), "t4"),
            message("SM5", Some(("😮", "SM2")), "t5"),
            message("SM6", Some(("", "SM2")), "t6"),
            message("SM7", Some(("🙏", "SM-not-here")), "t7"),
        ];
        attach_reactions(&mut messages);
        assert_eq!(
            messages[0].reactions,
            vec![ReactionMark {
                emoji: "❤️".into(),
                at: "t4".into()
            }]
        );
        assert!(messages[1].reactions.is_empty());
    }
}
