// Every activity type's front end, by step type: participant.js, projector.js and console.js look
// a step's module up here. A new activity adds its file and one line.
import action_items from "./action_items.js";
import blitzlicht from "./blitzlicht.js";
import brainstorm from "./brainstorm.js";
import cluster from "./cluster.js";
import consent from "./consent.js";
import dot_vote from "./dot_vote.js";
import draft from "./draft.js";
import poll from "./poll.js";
import summary from "./summary.js";

export const ACTIVITIES = Object.fromEntries(
  [action_items, blitzlicht, brainstorm, cluster, consent, dot_vote, draft, poll, summary].map((a) => [a.type, a]));

export function activityFor(step) {
  return ACTIVITIES[step.type] || summary;
}
