"""The audit vocabulary: every action an event may name, with what it means.

`record()` refuses any other action, so a typo fails loudly in tests instead of
writing an event no report will ever find. Add a new action here (with its
description) in the same change as the service that records it.
"""

ASSET_SYNCED = "asset.synced"
ASSET_VERSION_ADDED = "asset.version_added"
ASSET_APPROVED = "asset.approved"
ASSET_REJECTED = "asset.rejected"
ASSET_RELEASED = "asset.released"
ASSET_RETIRED = "asset.retired"
ASSET_RESTORED = "asset.restored"
ASSET_PUBLISHED = "asset.published"
ASSET_UNPUBLISHED = "asset.unpublished"
ASSET_DOWNLOADED = "asset.downloaded"
ASSET_ACKNOWLEDGED = "asset.acknowledged"
ASSET_RENDERING_UPDATED = "asset.rendering_updated"
ASSET_MASTER_CHANGED = "asset.master_changed"
ASSET_DERIVATIVES_REQUESTED = "asset.derivatives_requested"
ASSET_DERIVATIVES_GENERATED = "asset.derivatives_generated"
PRESET_TRANSFORMATION_SYNCED = "preset.transformation_synced"
PRESET_RENDERING_UPDATED = "preset.rendering_updated"
COMMUNITY_DEFAULTS_CHANGED = "community.defaults_changed"
ASSET_ACK_DUE_SET = "asset.acknowledgement_due_set"
MEMBERSHIP_GRANTED = "membership.granted"
MEMBERSHIP_REVOKED = "membership.revoked"
MEMBERSHIP_UPDATED = "membership.updated"
API_TOKEN_CREATED = "api_token.created"
API_TOKEN_REVOKED = "api_token.revoked"
CASE_OPENED = "case.opened"
CASE_REPLIED = "case.replied"
CASE_STATUS_CHANGED = "case.status_changed"
CASE_ASSIGNED = "case.assigned"
CASE_RESOLVED = "case.resolved"
CASE_FIX_CONFIRMED = "case.fix_confirmed"
SYNC_COMPLETED = "sync.completed"
USER_SSO_LOGIN = "user.sso_login"
CASE_THREAD_RECEIVED = "case.thread_received"
CASE_THREAD_POSTED = "case.thread_posted"
KIT_SLOT_FILLED = "kit.slot_filled"
KIT_CONFIRMED = "kit.confirmed"
KIT_CHANGED = "kit.changed"

ACTIONS: dict[str, str] = {
    ASSET_SYNCED: "An asset was created or changed in the catalog from Cloudinary.",
    ASSET_VERSION_ADDED: "Cloudinary holds a new version of an asset (overwrite).",
    ASSET_APPROVED: "The content team approved an asset version for partners.",
    ASSET_REJECTED: "The content team rejected an asset version (payload: reason).",
    ASSET_RELEASED: "Partners now get this version of an asset (its protected copy is live).",
    ASSET_RETIRED: "An asset left the catalog (deleted in Cloudinary or retired by staff).",
    ASSET_RESTORED: "A retired asset came back into the catalog.",
    ASSET_PUBLISHED: "An asset (or a publication rule) was published to a community.",
    ASSET_UNPUBLISHED: "An asset (or a publication rule) was withdrawn from a community.",
    ASSET_DOWNLOADED: "A partner user downloaded an asset version (payload: preset).",
    ASSET_ACKNOWLEDGED: "A partner user acknowledged receipt of an asset version.",
    ASSET_RENDERING_UPDATED: "How an asset's presets render changed in Cloudinary, with no new "
                             "version (payload: change, before, after, presets, derivatives).",
    ASSET_MASTER_CHANGED: "An asset became (or stopped being) a locale variant of a master "
                          "(payload: master, source: related assets or the master field).",
    ASSET_DERIVATIVES_REQUESTED: "Cloudinary was asked to generate a released version's preset "
                                 "derivatives ahead (payload: presets, batch_id).",
    ASSET_DERIVATIVES_GENERATED: "Cloudinary reported the real facts of generated derivatives.",
    PRESET_TRANSFORMATION_SYNCED: "A download preset's named transformation was created or "
                                  "updated in Cloudinary (payload: name, definition).",
    PRESET_RENDERING_UPDATED: "A preset's transformation was changed from a rendering case, for "
                              "everyone or one community (payload: before/after, regenerated "
                              "and invalidated derivatives).",
    COMMUNITY_DEFAULTS_CHANGED: "The content team changed a community's default languages or "
                                "presets.",
    ASSET_ACK_DUE_SET: "A reviewer set the acknowledgement due date of a version they "
                       "approved (payload: due date).",
    MEMBERSHIP_GRANTED: "A user joined a community on behalf of a partner organisation.",
    MEMBERSHIP_REVOKED: "A user's membership was removed or suspended; access ends at once.",
    MEMBERSHIP_UPDATED: "A membership's role or validity window changed.",
    API_TOKEN_CREATED: "A user created a personal API token (payload: name, expiry).",
    API_TOKEN_REVOKED: "API tokens were revoked (payload: reason, count).",
    CASE_OPENED: "A partner opened a case about an asset.",
    CASE_REPLIED: "A message was added to a case thread.",
    CASE_STATUS_CHANGED: "A case moved to another status (payload: from, to).",
    CASE_ASSIGNED: "A case was assigned to a member of support staff.",
    CASE_RESOLVED: "Support resolved a case.",
    CASE_FIX_CONFIRMED: "The partner confirmed that a case's resolution fixed the problem.",
    SYNC_COMPLETED: "A Cloudinary or Trading Grid sync run finished (payload: counts).",
    USER_SSO_LOGIN: "A partner signed in with Trading Grid (payload: member id, communities "
                    "granted and revoked by the sign-in).",
    CASE_THREAD_RECEIVED: "A Trading Grid community thread event reached a case (payload: "
                          "thread, post, outcome).",
    CASE_THREAD_POSTED: "The portal posted to a case's Trading Grid thread (payload: thread, "
                        "post, idempotency key).",
    KIT_SLOT_FILLED: "The content team chose an asset for a launch kit's slot (payload: slot, "
                     "market).",
    KIT_CONFIRMED: "A partner organisation confirmed it has a launch kit (payload: contents).",
    KIT_CHANGED: "A launch kit's go-live, markets or publication changed (payload: what).",
}

# What "this partner received this asset" means on the received report.
RECEIPT_ACTIONS = (ASSET_DOWNLOADED, ASSET_ACKNOWLEDGED)


def validate_action(action: str) -> str:
    """Return `action` if it is in the vocabulary; raise ValueError otherwise."""
    if action not in ACTIONS:
        raise ValueError(
            f"Unknown audit action {action!r}. Known actions: {', '.join(sorted(ACTIONS))}. "
            "Add new ones to audit/actions.py."
        )
    return action
