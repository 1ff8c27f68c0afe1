// Every activity type's front end, by step type: participant.js, projector.js and console.js look
// a step's module up here. A new activity adds its file and one line.
import action_items from "./action_items.js";
import blitzlicht from "./blitzlicht.js";
import brainstorm from "./brainstorm.js";
import cluster from "./cluster.js";
import consent from "./consent.js";
import dot_vote from "./dot_vote.js";
import draft from "./draft.js";
import harvest from "./harvest.js";
import input from "./input.js";
import milestone_review from "./milestone_review.js";
import pause from "./break.js";
import poll from "./poll.js";
import summary from "./summary.js";
import tables from "./tables.js";
import welcome from "./welcome.js";

export const ACTIVITIES = Object.fromEntries(
  [action_items, blitzlicht, brainstorm, cluster, consent, dot_vote, draft, harvest, input, milestone_review, pause,
    poll, summary, tables, welcome]
    .map((a) => [a.type, a]));

export function activityFor(step) {
  return ACTIVITIES[step.type] || summary;
}
