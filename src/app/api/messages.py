"""Human sentences for every message code, in Portuguese (default) and English.

Services raise codes; this is the one place that turns them into words. `{field}` and the error's
params fill the placeholders.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

DEFAULT_LANGUAGE = "pt-BR"

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (português, English)
    "invalid_request": ("Requisição inválida.", "Invalid request."),
    "validation_failed": ("Os dados enviados são inválidos.", "The submitted data is invalid."),
    "body_required": ("O corpo da requisição (JSON) é obrigatório.", "A JSON request body is required."),
    "malformed_json": ("O corpo da requisição não é um JSON válido.", "The request body is not valid JSON."),
    "json_too_deep": (
        "O corpo da requisição tem níveis demais de aninhamento.",
        "The request body is nested too deeply.",
    ),
    "nul_character": (
        "O caractere nulo (\\u0000) não é aceito em textos.",
        "The null character (\\u0000) is not accepted in text.",
    ),
    "wrong_type": ("O campo {field} deve ser do tipo {expected}.", "The field {field} must be of type {expected}."),
    "required": ("O campo {field} é obrigatório.", "The field {field} is required."),
    "invalid_value": ("Valor inválido para o campo {field}.", "Invalid value for the field {field}."),
    "invalid_choice": (
        "Valor inválido para o campo {field}: {value}.",
        "Invalid value for the field {field}: {value}.",
    ),
    "out_of_range": (
        "O valor do campo {field} está fora do intervalo permitido.",
        "The value of {field} is out of range.",
    ),
    "too_long": (
        "O campo {field} deve ter no máximo {max} caracteres.",
        "The field {field} must have at most {max} characters.",
    ),
    "too_many": ("O campo {field} aceita no máximo {max} itens.", "The field {field} accepts at most {max} items."),
    "unknown_categories": (
        "O campo {field} tem categorias que não existem: {ids}.",
        "The field {field} names categories that do not exist: {ids}.",
    ),
    "unknown_keys": (
        "O campo {field} tem chaves desconhecidas: {keys}.",
        "The field {field} has unknown keys: {keys}.",
    ),
    "body_too_large": ("O corpo da requisição é grande demais.", "The request body is too large."),
    "unsupported_media_type": ("Tipo de conteúdo não suportado.", "Unsupported content type."),
    "not_found": ("Não encontrado.", "Not found."),
    "route_not_found": ("Recurso não encontrado.", "Resource not found."),
    "method_not_allowed": ("Método não permitido.", "Method not allowed."),
    "not_authenticated": (
        "As credenciais de autenticação não foram fornecidas.",
        "Authentication credentials were not provided.",
    ),
    "permission_denied": (
        "Você não tem permissão para executar esta ação.",
        "You do not have permission to perform this action.",
    ),
    "conflict": ("A requisição conflita com o estado atual.", "The request conflicts with the current state."),
    "too_many_requests": ("Muitas requisições. Tente novamente em instantes.", "Too many requests. Try again shortly."),
    "service_unavailable": ("Serviço temporariamente indisponível.", "Service temporarily unavailable."),
    "internal_error": ("Erro interno do servidor.", "Internal server error."),
    # accounts
    "username_invalid": (
        "Nome de usuário inválido: use de 3 a 150 letras, números ou . @ + - _.",
        "Invalid username: use 3 to 150 letters, digits or . @ + - _.",
    ),
    "username_taken": ("Este nome de usuário já está em uso.", "This username is already taken."),
    "email_invalid": ("Informe um endereço de e-mail válido.", "Enter a valid email address."),
    "email_taken": ("Este e-mail já está cadastrado.", "This email is already registered."),
    "email_or_username_required": ("Informe o e-mail ou o nome de usuário.", "Provide the email or the username."),
    "password_too_short": (
        "A senha deve ter pelo menos {min} caracteres.",
        "The password must have at least {min} characters.",
    ),
    "password_too_long": (
        "A senha deve ter no máximo {max} caracteres.",
        "The password must have at most {max} characters.",
    ),
    "password_entirely_numeric": (
        "A senha não pode ser inteiramente numérica.",
        "The password cannot be entirely numeric.",
    ),
    "password_too_similar": (
        "A senha é parecida demais com o nome de usuário ou o e-mail.",
        "The password is too similar to the username or email.",
    ),
    "password_too_common": ("Esta senha é comum demais.", "This password is too common."),
    "passwords_do_not_match": ("As senhas não conferem.", "The passwords do not match."),
    "old_password_wrong": ("A senha atual está incorreta.", "The current password is incorrect."),
    "password_wrong": ("A senha está incorreta.", "The password is incorrect."),
    "organizes_upcoming_events": (
        "Você organiza eventos publicados que ainda não terminaram: cancele-os antes de excluir a conta.",
        "You organize published events that have not ended: cancel them before deleting the account.",
    ),
    "owns_organizations": (
        "Você é o único proprietário de uma organização: nomeie outro proprietário ou exclua a organização antes de "
        "excluir a conta.",
        "You are the only owner of an organization: make another member an owner, or delete the organization, "
        "before deleting the account.",
    ),
    "password_changed": ("Senha alterada com sucesso.", "Password changed successfully."),
    "invalid_credentials": (
        "Nenhuma conta ativa encontrada com as credenciais fornecidas.",
        "No active account found with the given credentials.",
    ),
    "token_invalid": ("O token é inválido ou foi revogado.", "The token is invalid or has been revoked."),
    "token_expired": ("O token expirou.", "The token has expired."),
    "token_wrong_type": ("Tipo de token incorreto.", "Wrong token type."),
    "token_revoked": ("Sessão encerrada.", "Signed out."),
    "unsubscribe_link_invalid": (
        "Este link de cancelamento de inscrição é inválido.",
        "This unsubscribe link is invalid.",
    ),
    "user_not_found": ("Usuário não encontrado.", "User not found."),
    "phone_invalid": ("Informe um telefone válido.", "Enter a valid phone number."),
    "state_invalid": (
        "O estado deve ser a sigla de 2 letras (ex.: SP).",
        "The state must be the 2-letter code (e.g. SP).",
    ),
    "birth_date_invalid": ("Data de nascimento inválida.", "Invalid birth date."),
    # events
    "spot_not_found": ("Ponto não encontrado.", "Spot not found."),
    "possible_duplicate": (
        "Já existe um ponto do mesmo tipo a menos de 50 m: confirme-o (confirm_spot) ou crie outro (new_spot).",
        "A spot of the same kind lies within 50 m: confirm it (confirm_spot) or create another (new_spot).",
    ),
    "spot_not_open": ("Este ponto não está mais aberto.", "This spot is no longer open."),
    "spot_not_yours": ("Só quem relatou o ponto pode fazer isso.", "Only the spot's reporter may do this."),
    "spot_photos_full": ("O ponto já tem {max} fotos.", "The spot already has {max} photos."),
    "event_not_found": ("Evento não encontrado.", "Event not found."),
    "report_not_found": ("Este evento ainda não tem relatório de impacto.", "This event has no impact report yet."),
    "report_exists": (
        "Este evento já tem relatório de impacto; edite-o.",
        "This event already has an impact report; edit it instead.",
    ),
    "report_locked": (
        "O relatório só pode ser editado até 30 dias depois de enviado.",
        "The report can only be edited for 30 days after it was filed.",
    ),
    "event_not_ended": (
        "O relatório só pode ser enviado depois que o evento terminar.",
        "The report can only be filed once the event has ended.",
    ),
    "event_not_held": (
        "Eventos em rascunho ou cancelados não têm relatório.",
        "Draft or cancelled events have no report.",
    ),
    "monthly_report_not_found": (
        "Ainda não há relatório para este mês.",
        "There is no report for this month yet.",
    ),
    "invalid_month": ("Mês inválido: {value}. Use AAAA-MM.", "Invalid month: {value}. Use YYYY-MM."),
    "invalid_page": ("Página inválida.", "Invalid page."),
    "category_not_found": ("Categoria não encontrada.", "Category not found."),
    "category_name_taken": ("Já existe uma categoria com este nome.", "A category with this name already exists."),
    "not_event_organizer": (
        "Apenas quem organiza o evento ou a equipe pode fazer isso.",
        "Only the event's organizers or staff may do this.",
    ),
    "not_event_owner": (
        "Apenas o organizador do evento, os administradores da organização ou a equipe podem fazer isso.",
        "Only the event's organizer, its organization's admins or staff may do this.",
    ),
    "not_organization_member": (
        "Apenas membros da organização podem realizar eventos em nome dela.",
        "Only the organization's members may run events under its name.",
    ),
    "already_organizer": ("Esta pessoa já é a organizadora do evento.", "This person already organizes the event."),
    "too_many_co_organizers": (
        "Um evento pode ter no máximo {max} coorganizadores.",
        "An event may have at most {max} co-organizers.",
    ),
    "co_organizer_not_found": ("Coorganizador não encontrado.", "Co-organizer not found."),
    "username_or_user_id_required": (
        "Informe username ou user_id (apenas um).",
        "Give username or user_id (only one).",
    ),
    "staff_only": ("Apenas a equipe pode fazer isso.", "Only staff may do this."),
    "event_closed": ("O evento está cancelado ou concluído.", "The event is cancelled or completed."),
    "event_not_draft": ("Apenas rascunhos podem ser publicados.", "Only drafts can be published."),
    "capacity_below_confirmed": (
        "O número máximo de participantes não pode ficar abaixo dos {confirmed} já confirmados.",
        "The maximum number of participants cannot go below the {confirmed} already confirmed.",
    ),
    "start_in_past": ("O evento deve começar no futuro.", "The event must start in the future."),
    "end_before_start": ("O término deve ser depois do início.", "The end must be after the start."),
    "deadline_after_start": (
        "O prazo de inscrição não pode ser depois do início.",
        "The registration deadline cannot be after the start.",
    ),
    "max_age_not_above_min_age": (
        "A idade máxima deve ser maior que a mínima.",
        "The maximum age must exceed the minimum.",
    ),
    "timezone_invalid": (
        "Fuso horário inválido (use um nome IANA, ex.: America/Sao_Paulo).",
        "Invalid timezone (use an IANA name, e.g. America/Sao_Paulo).",
    ),
    # recurring events
    "recurrence_invalid": (
        "Regra de recorrência inválida (ex.: FREQ=WEEKLY;BYDAY=SA;COUNT=8).",
        "Invalid recurrence rule (e.g. FREQ=WEEKLY;BYDAY=SA;COUNT=8).",
    ),
    "recurrence_unsupported": (
        "A recorrência aceita só FREQ=WEEKLY ou MONTHLY, INTERVAL, BYDAY, COUNT e UNTIL (não {part}).",
        "Recurrence accepts only FREQ=WEEKLY or MONTHLY, INTERVAL, BYDAY, COUNT and UNTIL (not {part}).",
    ),
    "recurrence_unbounded": (
        "A recorrência precisa terminar: informe COUNT ou UNTIL.",
        "The recurrence must end: give COUNT or UNTIL.",
    ),
    "recurrence_too_many": (
        "Uma série tem no máximo {max} ocorrências.",
        "A series has at most {max} occurrences.",
    ),
    "recurrence_empty": (
        "A regra de recorrência não gera nenhuma ocorrência.",
        "The recurrence rule yields no occurrence.",
    ),
    "series_not_found": ("Série de eventos não encontrada.", "Event series not found."),
    "occurrence_not_in_series": (
        "Este evento não é uma ocorrência desta série.",
        "This event is not an occurrence of this series.",
    ),
    "too_short": (
        "O campo {field} deve ter pelo menos {min} caracteres.",
        "The field {field} must have at least {min} characters.",
    ),
    "organizer_cannot_join": (
        "O organizador não pode se inscrever no próprio evento.",
        "The organizer cannot join their own event.",
    ),
    "registration_closed": (
        "As inscrições para este evento estão encerradas.",
        "Registration for this event is closed.",
    ),
    "already_joined": ("Você já está inscrito neste evento.", "You have already joined this event."),
    "join_rejected": ("Sua inscrição neste evento foi recusada.", "Your registration for this event was rejected."),
    "photo_not_an_image": (
        "O arquivo não é uma imagem JPEG, PNG ou WebP válida.",
        "The file is not a valid JPEG, PNG or WebP image.",
    ),
    "photo_too_large": ("A foto passa do tamanho máximo.", "The photo is larger than allowed."),
    "photo_too_many_pixels": ("A imagem tem pixels demais.", "The image has too many pixels."),
    "photo_before_and_after": (
        "Uma foto é de antes ou de depois, não das duas.",
        "A photo is either before or after, not both.",
    ),
    "photo_not_participant": (
        "Só o organizador e os participantes confirmados enviam fotos.",
        "Only the organizer and confirmed participants upload photos.",
    ),
    "photo_not_found": ("Foto não encontrada.", "Photo not found."),
    "photo_not_yours": (
        "Só o autor, o organizador ou a equipe apagam esta foto.",
        "Only its author, the organizer or staff delete this photo.",
    ),
    "calendar_feed_not_found": (
        "Este calendário não existe mais: peça um novo link no seu perfil.",
        "This calendar no longer exists: get a new link from your profile.",
    ),
    "not_participating": ("Você não está inscrito neste evento.", "You are not registered for this event."),
    "age_not_allowed": (
        "Este evento é para idades de {min_age} a {max_age} anos.",
        "This event is for ages {min_age} to {max_age}.",
    ),
    # certificates
    "certificate_not_found": ("Certificado não encontrado.", "Certificate not found."),
    "certificate_event_not_attended": (
        "Você não tem certificado deste evento: ele é emitido para quem fez check-in num mutirão realizado.",
        "You have no certificate for this event: one is issued to those checked in at a mutirão that took place.",
    ),
    "certificate_not_verified_yet": (
        "Seu check-in está registrado, mas as horas ainda estão sendo verificadas. Tente de novo em instantes.",
        "Your check-in is recorded, but the hours are still being verified. Try again in a moment.",
    ),
    "certificate_year_empty": (
        "Você não tem horas de voluntariado verificadas em {year}.",
        "You have no verified volunteer hours in {year}.",
    ),
    "certificate_ambiguous": (
        "{number} pode ser um ano ou o número de um evento de que você participou: acrescente ?kind=year ou "
        "?kind=event.",
        "{number} can be a year or the id of an event you joined: add ?kind=year or ?kind=event.",
    ),
    "certificate_genuine": (
        "Certificado autêntico, emitido pelo Mutirões em {issued}.",
        "Genuine certificate, issued by Mutirões on {issued}.",
    ),
    "certificate_revoked": (
        "Este certificado foi emitido pelo Mutirões, mas foi revogado em {revoked}.",
        "This certificate was issued by Mutirões but was revoked on {revoked}.",
    ),
    "certificate_forged": (
        "Este código não foi emitido pelo Mutirões: confira se foi digitado corretamente.",
        "This code was not issued by Mutirões: check that it was typed correctly.",
    ),
    "certificate_unknown": (
        "Este código não corresponde a nenhum certificado registrado.",
        "This code matches no certificate on record.",
    ),
    "certificate_figures_changed": (
        "As horas verificadas mudaram desde a emissão: eram {issued}, hoje são {now}.",
        "The verified hours changed since it was issued: {issued} then, {now} today.",
    ),
    # organizations
    "organization_not_found": ("Organização não encontrada.", "Organization not found."),
    "slug_taken": ("Já existe uma organização com este endereço (slug).", "An organization already uses this slug."),
    "slug_invalid": (
        "O endereço (slug) deve ter letras, números e hífens.",
        "The slug must be letters, digits and hyphens.",
    ),
    "website_invalid": (
        "O site deve começar com http:// ou https://.",
        "The website must start with http:// or https://.",
    ),
    "not_organization_manager": (
        "Apenas proprietários e administradores da organização podem fazer isso.",
        "Only the organization's owners and admins may do this.",
    ),
    "not_organization_owner": (
        "Apenas proprietários da organização podem fazer isso.",
        "Only the organization's owners may do this.",
    ),
    "owners_only_for_owners": (
        "Apenas proprietários nomeiam, rebaixam ou removem proprietários.",
        "Only owners make, demote or remove owners.",
    ),
    "last_owner": (
        "A organização precisa de pelo menos um proprietário: nomeie outro antes.",
        "The organization needs at least one owner: make someone else an owner first.",
    ),
    "member_not_found": (
        "Esta pessoa não é membro da organização.",
        "This person is not a member of the organization.",
    ),
    "already_member": ("Esta pessoa já é membro da organização.", "This person is already a member."),
    "already_invited": (
        "Já há um convite pendente para esta pessoa.",
        "There is already a pending invitation for this person.",
    ),
    "username_or_email": (
        "Informe o nome de usuário ou o e-mail (um dos dois).",
        "Send a username or an email (one of them).",
    ),
    "invitation_not_found": ("Convite não encontrado.", "Invitation not found."),
    "invitation_invalid": ("Este link de convite não é válido.", "This invitation link is not valid."),
    "invitation_expired": (
        "Este convite expirou: peça um novo à organização.",
        "This invitation has expired: ask the organization for a new one.",
    ),
    "invitation_revoked": ("Este convite foi cancelado pela organização.", "The organization revoked this invitation."),
    "invitation_used": ("Este convite já foi aceito.", "This invitation was already accepted."),
    "invitation_not_for_you": (
        "Este convite é para outra pessoa: entre com a conta do e-mail convidado.",
        "This invitation is for someone else: log in with the invited email's account.",
    ),
    # resources
    "resource_not_found": ("Recurso não encontrado neste evento.", "Resource not found in this event."),
    "pledge_not_found": (
        "Você não se comprometeu a trazer este recurso.",
        "You have not pledged this resource.",
    ),
    # comments
    "comment_not_found": ("Comentário não encontrado.", "Comment not found."),
    "comment_parent_invalid": (
        "O comentário respondido não existe neste evento.",
        "The comment replied to does not exist in this event.",
    ),
    "comment_reply_to_reply": (
        "Só é possível responder a comentários, não a respostas.",
        "Only comments can be replied to, not replies.",
    ),
    "not_comment_author": ("Apenas o autor pode editar este comentário.", "Only the author may edit this comment."),
    "comment_delete_denied": (
        "Apenas o autor, o organizador do evento ou a equipe pode apagar este comentário.",
        "Only the author, the event's organizer or staff may delete this comment.",
    ),
    "participation_not_found": ("Inscrição não encontrada.", "Participation not found."),
    "participation_closed": (
        "Esta inscrição já foi cancelada ou recusada.",
        "This participation was cancelled or rejected.",
    ),
    "participants_private": (
        "Apenas o organizador e os participantes confirmados veem os participantes.",
        "Only the organizer and confirmed participants can see the participants.",
    ),
    "check_in_window": (
        "O check-in abre 1 hora antes do início e fecha no término do evento.",
        "Check-in opens 1 hour before the start and closes at the end of the event.",
    ),
    "check_in_code_wrong": ("Código de check-in incorreto.", "Wrong check-in code."),
    "check_in_proof_required": (
        "Para fazer check-in, digite o código do evento (o organizador o mostra no local) "
        "ou compartilhe a sua localização.",
        "To check in, type the event's code (the organizer shows it on site) or share your location.",
    ),
    "check_in_too_far": (
        "Você está a {distance} m do local do evento (máximo {allowed} m).",
        "You are {distance} m from the event (at most {allowed} m).",
    ),
    "not_confirmed": (
        "Apenas participantes confirmados podem fazer check-in.",
        "Only confirmed participants can check in.",
    ),
    "required_with_coordinates": (
        "Informe latitude e longitude juntas.",
        "Send latitude and longitude together.",
    ),
}


def language_of(request: Request[Any, Any, Any]) -> str:
    """`en` when the caller prefers English (Accept-Language), Portuguese otherwise."""
    header = request.headers.get("accept-language", "")
    best = ""
    best_q = -1.0
    for part in header.split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        tag = tag.strip().lower()
        if tag[:2] in {"pt", "en"} and q > best_q:
            best, best_q = tag[:2], q
    return "en" if best == "en" else DEFAULT_LANGUAGE


def message(code: str, language: str, **params: Any) -> str:
    portuguese, english = MESSAGES.get(code, MESSAGES["invalid_request"])
    template = english if language == "en" else portuguese
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template.replace("{field}", str(params.get("field", "")))
